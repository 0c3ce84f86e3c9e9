package tlscert

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/fivelayer/triage/probes"
)

// TLSKind is the `tls` probe kind: a handshake with address and its certificate.
var TLSKind = probes.Kind{
	Name:       "tls",
	Thresholds: map[string]probes.Threshold{"certificate": DefaultThreshold},
	Doc: "TLS handshake with address (host:port, default port 443): certificate expiry (< 30 days warn, " +
		"< 7 crit, expired crit), chain against system roots or ca_file, hostname (server_name or the host), protocol",
	Required: [][]string{{"address"}},
	Allowed:  []string{"address", "server_name", "ca_file"},
	Checks:   []probes.Check{Check},
	New:      func(s probes.Spec) (probes.Probe, error) { return NewTLS(s) },
}

// TLS is a `tls` probe instance.
type TLS struct {
	address    string
	serverName string
	caFile     string
	threshold  probes.Threshold
}

var _ probes.Probe = (*TLS)(nil)

// NewTLS builds a tls probe; an address without a port gets 443.
func NewTLS(s probes.Spec) (*TLS, error) {
	addr := s.Address
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
		addr = net.JoinHostPort(addr, "443")
	}
	if host == "" {
		return nil, errors.New("tls: address has no host")
	}
	name := s.ServerName
	if name == "" {
		name = host
	}
	return &TLS{address: addr, serverName: name, caFile: s.CAFile,
		threshold: s.Threshold(CheckName, DefaultThreshold)}, nil
}

// Checks lists `certificate`.
func (p *TLS) Checks() []probes.Check { return []probes.Check{Check} }

// Run dials, handshakes with verification done by Verify (so an expired or
// untrusted certificate is still read and reported crit), and grades it.
func (p *TLS) Run(ctx context.Context) []probes.Result {
	ctx, cancel := probes.WithMargin(ctx)
	defer cancel()
	roots, err := LoadRoots(p.caFile)
	if err != nil {
		return []probes.Result{Unmeasured(err.Error(), err)}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", p.address)
	if err != nil {
		return []probes.Result{Unmeasured(netWords(err)+" connecting to "+p.address, err)}
	}
	defer conn.Close()
	rep, err := Handshake(ctx, conn, p.serverName, roots, false)
	var res probes.Result
	switch {
	case rep != nil:
		res = rep.Result(p.threshold)
	case netTimeout(err):
		res = Unmeasured("timed out during the TLS handshake with "+p.address, err)
	default:
		res = HandshakeFailed(err, "")
	}
	res.Evidence["address"] = p.address
	res.Evidence["remote_addr"] = conn.RemoteAddr().String()
	if err != nil && rep != nil {
		res.Evidence["handshake_error"] = Words(err)
	}
	return []probes.Result{res}
}

// Handshake runs a TLS client handshake over conn and returns the report of
// the certificate the server presented (nil when none arrived) and the
// handshake error. The library's verification is replaced by Verify in
// VerifyConnection, never skipped: with abort the handshake fails with
// Verify's error (the http probe, which must not send a request over it),
// without it completes so the tls probe can read the whole state.
func Handshake(ctx context.Context, conn net.Conn, serverName string, roots *x509.CertPool, abort bool) (*Report, error) {
	var rep *Report
	cfg := &tls.Config{
		ServerName: serverName,
		// Verification happens in VerifyConnection below and is reported.
		InsecureSkipVerify: true, //nolint:gosec // see Verify
		VerifyConnection: func(cs tls.ConnectionState) error {
			r := Verify(cs.PeerCertificates, Options{Roots: roots, ServerName: serverName})
			r.TLSVersion = tls.VersionName(cs.Version)
			rep = &r
			if abort {
				return r.Err()
			}
			return nil
		},
	}
	tc := tls.Client(conn, cfg)
	err := tc.HandshakeContext(ctx)
	return rep, err
}

func netTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}

// netWords says why a connection failed in a few words.
func netWords(err error) string {
	switch {
	case netTimeout(err):
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	}
	return err.Error()
}
