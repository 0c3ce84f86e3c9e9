package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Options says what a certificate is verified against.
type Options struct {
	// Roots are the trusted CAs; nil means the system roots.
	Roots *x509.CertPool
	// ServerName is the name the certificate must be valid for; empty skips
	// the hostname check (a certificate file without server_name).
	ServerName string
	// Now is the time of the check; zero means time.Now().
	Now time.Time
}

// Report is one certificate chain as verified at Now.
type Report struct {
	Leaf       *x509.Certificate
	Presented  int       // certificates in the chain as presented
	Now        time.Time // when it was verified
	ServerName string    // the name checked, "" when none was
	TLSVersion string    // negotiated protocol ("TLS 1.3"), "" for files
	// Expired and NotYetValid compare the leaf's validity with Now.
	Expired, NotYetValid bool
	// ChainErr is why the chain is not trusted, judged at a moment the leaf
	// is valid so that an expired certificate from an unknown CA says both;
	// nil when it is trusted.
	ChainErr error
	// HostErr is why the leaf does not match ServerName; nil when it does or
	// when no name was checked.
	HostErr error
}

// VerifyError is a verification failure in words, as Words reports it.
type VerifyError struct {
	Msg string
	Err error
}

func (e *VerifyError) Error() string { return e.Msg }

// Unwrap returns the x509 error.
func (e *VerifyError) Unwrap() error { return e.Err }

// ErrNoCertificate is returned when a peer or a file gives no certificate.
var ErrNoCertificate = errors.New("no certificate")

// Verify checks certs (leaf first, then the intermediates as presented).
func Verify(certs []*x509.Certificate, o Options) Report {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	r := Report{Presented: len(certs), Now: now, ServerName: o.ServerName}
	if len(certs) == 0 {
		r.ChainErr = ErrNoCertificate
		return r
	}
	leaf := certs[0]
	r.Leaf = leaf
	r.Expired = now.After(leaf.NotAfter)
	r.NotYetValid = now.Before(leaf.NotBefore)
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	at := now
	switch {
	case r.Expired:
		at = leaf.NotAfter.Add(-time.Second)
	case r.NotYetValid:
		at = leaf.NotBefore.Add(time.Second)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: o.Roots, Intermediates: inter, CurrentTime: at}); err != nil {
		r.ChainErr = err
		var inv x509.CertificateInvalidError
		if at != now && errors.As(err, &inv) && inv.Reason == x509.Expired {
			// A CA not valid at the moment the leaf was: the trust of an
			// expired chain cannot be judged; its expiry is reported anyway.
			r.ChainErr = nil
		}
	}
	if o.ServerName != "" {
		if err := leaf.VerifyHostname(strings.Trim(o.ServerName, "[]")); err != nil {
			r.HostErr = err
		}
	}
	return r
}

// Verified reports whether the chain is trusted and valid now.
func (r Report) Verified() bool {
	return r.Leaf != nil && r.ChainErr == nil && !r.Expired && !r.NotYetValid
}

// HostnameOK reports whether the name matched (true when none was checked).
func (r Report) HostnameOK() bool { return r.HostErr == nil }

// Problems lists every verification failure in words, validity first.
func (r Report) Problems() []string {
	var ps []string
	switch {
	case r.Leaf == nil:
		return []string{Words(r.ChainErr)}
	case r.Expired:
		ps = append(ps, "expired at "+stamp(r.Leaf.NotAfter))
	case r.NotYetValid:
		ps = append(ps, "not valid before "+stamp(r.Leaf.NotBefore))
	}
	if r.ChainErr != nil {
		ps = append(ps, Words(r.ChainErr))
	}
	if r.HostErr != nil {
		ps = append(ps, Words(r.HostErr))
	}
	return ps
}

// Err is nil when the certificate is valid, trusted and matches the name,
// else a *VerifyError with every problem in words (for VerifyConnection).
func (r Report) Err() error {
	ps := r.Problems()
	if len(ps) == 0 {
		return nil
	}
	return &VerifyError{Msg: strings.Join(ps, "; "), Err: errors.Join(r.ChainErr, r.HostErr)}
}

// DaysLeft is the time to expiry in days (negative once expired).
func (r Report) DaysLeft() float64 {
	if r.Leaf == nil {
		return 0
	}
	return r.Leaf.NotAfter.Sub(r.Now).Hours() / 24
}

// stamp formats a moment of validity for a summary.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// Words says what a TLS or x509 error means in the words people search for:
// "certificate signed by unknown authority", "certificate is valid for X,
// not Y", "expired at …".
func Words(err error) string {
	var (
		ve  *VerifyError
		cve *tls.CertificateVerificationError
		inv x509.CertificateInvalidError
		ua  x509.UnknownAuthorityError
		he  x509.HostnameError
		ae  tls.AlertError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ve):
		return ve.Msg
	case errors.As(err, &cve):
		return Words(cve.Err)
	case errors.As(err, &ua):
		return "certificate signed by unknown authority"
	case errors.As(err, &he):
		return strings.TrimPrefix(he.Error(), "x509: ")
	case errors.As(err, &inv) && inv.Reason == x509.Expired && inv.Cert != nil:
		if inv.Cert.IsCA && strings.Contains(inv.Detail, "is after") {
			return "CA " + inv.Cert.Subject.CommonName + " expired at " + stamp(inv.Cert.NotAfter)
		}
		if strings.Contains(inv.Detail, "is before") {
			return "not valid before " + stamp(inv.Cert.NotBefore)
		}
		return "expired at " + stamp(inv.Cert.NotAfter)
	case errors.As(err, &inv):
		return strings.TrimPrefix(inv.Error(), "x509: ")
	case errors.As(err, &ae):
		return "handshake refused by the server: " + strings.TrimPrefix(ae.Error(), "tls: ")
	}
	s := err.Error()
	if i := strings.LastIndex(s, "tls: "); i >= 0 {
		return s[i+len("tls: "):]
	}
	return strings.TrimPrefix(s, "x509: ")
}

// LoadRoots reads a CA bundle (PEM); an empty path gives nil (system roots).
func LoadRoots(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", caFile)
	}
	return pool, nil
}
