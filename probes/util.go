package probes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// Margins kept before the scheduler's deadline so a probe still has time to
// turn what it measured, or its error, into results of its own words.
const (
	minMargin = 20 * time.Millisecond
	maxMargin = 250 * time.Millisecond
)

// WithMargin returns a context that ends a margin (a tenth of the time left,
// 20–250 ms) before ctx's deadline. Without a deadline it is ctx itself.
func WithMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	m := min(max(time.Until(dl)/10, minMargin), maxMargin)
	return context.WithDeadline(ctx, dl.Add(-m))
}

// TimedOut reports whether err is a deadline or a network timeout.
func TimedOut(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ErrWords says what went wrong in a few words a person reads on the screen:
// "timed out", "connection refused", "no such host", else the error's text.
func ErrWords(err error) string {
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ""
	case TimedOut(err):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "no route to host"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network is unreachable"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "DNS: no such host " + dnsErr.Name
	case errors.As(err, &dnsErr):
		return "DNS: " + dnsErr.Err
	}
	return err.Error()
}

// TLSConfig trusts the system roots plus caFile when given, and verifies
// against serverName when given. Verification is never turned off.
func TLSConfig(caFile, serverName string) (*tls.Config, error) {
	tc := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate found", caFile)
	}
	tc.RootCAs = pool
	return tc, nil
}
