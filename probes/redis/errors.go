package redis

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"
)

// explain turns an error into the line a person reads. It never quotes the
// password (Redis error replies do not contain it).
func (p *Probe) explain(err error, elapsed time.Duration) string {
	msg := err.Error()
	up := strings.ToUpper(msg)
	var ne net.Error
	switch {
	case strings.HasPrefix(up, "WRONGPASS"), strings.HasPrefix(up, "NOAUTH"),
		strings.Contains(up, "INVALID PASSWORD"), strings.Contains(up, "AUTH") && strings.Contains(up, "WITHOUT ANY PASSWORD"):
		return fmt.Sprintf("authentication failed (%s): WRONGPASS / NOAUTH: check %s", firstWord(msg), p.passwordSource())
	case strings.Contains(up, "MAX NUMBER OF CLIENTS"):
		return "max number of clients reached: the server refused the probe's own connection"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("timed out after %s waiting for %s", elapsed.Round(10*time.Millisecond), p.spec.Address)
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("connection refused by %s (server down or wrong port?)", p.spec.Address)
	case errors.Is(err, syscall.ECONNRESET):
		return fmt.Sprintf("connection to %s reset (TLS expected, or the server dropped us?)", p.spec.Address)
	}
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var ce x509.CertificateInvalidError
	switch {
	case errors.As(err, &ue):
		return "TLS: server certificate signed by an unknown authority (set ca_file)"
	case errors.As(err, &he):
		return "TLS: " + he.Error() + " (set server_name)"
	case errors.As(err, &ce):
		return "TLS: " + ce.Error()
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return fmt.Sprintf("cannot resolve %s: %s", de.Name, de.Err)
	}
	return msg
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

// passwordSource names where the password came from, for "check …".
func (p *Probe) passwordSource() string {
	switch {
	case p.spec.PasswordEnv != "":
		return "password_env " + p.spec.PasswordEnv
	case p.spec.PasswordFile != "":
		return "password_file " + p.spec.PasswordFile
	}
	return "password_env (none is configured)"
}
