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

	goredis "github.com/redis/go-redis/v9"
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
		return p.timedOut(err, elapsed)
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

// timedOut says how long the probe waited and the timeout it was given
// (the round's deadline can be shorter than the configured timeout), and
// whether the connection or the answer did not come.
func (p *Probe) timedOut(err error, elapsed time.Duration) string {
	waited, limit := elapsed.Round(10*time.Millisecond), p.spec.EffectiveTimeout()
	what := "waiting for " + p.spec.Address
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		what = "connecting to " + p.spec.Address
	}
	if waited < limit-limit/10 {
		return fmt.Sprintf("timed out after %s %s (the round's deadline; timeout %s)", waited, what, limit)
	}
	return fmt.Sprintf("timed out after %s %s (timeout %s)", waited, what, limit)
}

// isReply reports an error the server sent (a Redis error reply): the
// connection itself is fine.
func isReply(err error) bool {
	var re goredis.Error
	return errors.As(err, &re) && !errors.Is(err, context.DeadlineExceeded)
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
