package host

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/fivelayer/triage/probes"
)

// Margins kept before the scheduler's deadline, so a probe still has time to
// turn what it measured (or its error) into results of its own.
const (
	minMargin = 20 * time.Millisecond
	maxMargin = 250 * time.Millisecond
)

// budget returns a context that ends a margin (a tenth of the time left,
// 20–250 ms) before ctx's deadline; without a deadline it is ctx itself.
func budget(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	m := min(max(time.Until(dl)/10, minMargin), maxMargin)
	return context.WithDeadline(ctx, dl.Add(-m))
}

// errWords says what went wrong in a few words: "timed out", "connection
// refused", else the error's text.
func errWords(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "no route to host"
	}
	return err.Error()
}

// newTransport builds an HTTP transport that trusts the system roots plus
// caFile when given, and verifies against serverName when given.
func newTransport(caFile, serverName string) (*http.Transport, error) {
	tc := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
	if caFile != "" {
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
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	tr.Proxy = nil // probes measure the target, not a proxy in between
	tr.MaxIdleConnsPerHost = 4
	return tr, nil
}

// unknownAll gives every check the same unknown status, summary and error.
func unknownAll(checks []string, summary string, err error) []probes.Result {
	out := make([]probes.Result, 0, len(checks))
	for _, c := range checks {
		out = append(out, unknown(c, summary, err))
	}
	return out
}
