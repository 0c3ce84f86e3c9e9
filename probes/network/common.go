package network

import (
	"context"
	"errors"
	"math"
	"net"
	"os"
	"syscall"
	"time"
)

// Margins kept before the scheduler's deadline so a probe still has time to
// build its results from what it measured.
const (
	minMargin = 20 * time.Millisecond
	maxMargin = 250 * time.Millisecond
)

// withMargin returns a context that ends a margin (a tenth of the time left,
// 20–250 ms) before ctx's deadline. Without a deadline it is ctx itself.
func withMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	m := min(max(time.Until(dl)/10, minMargin), maxMargin)
	return context.WithDeadline(ctx, dl.Add(-m))
}

// millis converts d to milliseconds rounded to 0.01 ms, for values and evidence.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*100) / 100
}

// timedOut reports whether err is a deadline or a network timeout.
func timedOut(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errWords says what went wrong in a few words a person reads on the screen:
// "timed out", "connection refused", "no such host", else the error's text.
func errWords(err error) string {
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ""
	case timedOut(err):
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
