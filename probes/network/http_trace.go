package network

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes/tlscert"
)

// timings records an HTTP request's phases as httptrace reports them. The
// transport may call hooks from its dialing goroutine even after the request
// gave up, so every field is behind the mutex and read through snapshot.
type timings struct {
	mu sync.Mutex
	timingSnap
}

// timingSnap is a consistent copy of timings.
type timingSnap struct {
	start, done        time.Time
	dnsStart, dnsDone  time.Time
	connStart, connEnd time.Time
	tlsStart, tlsDone  time.Time
	wrote, firstByte   time.Time
	remote, version    string
	tlsErr             error
	report             *tlscert.Report
}

func (t *timings) set(f func(s *timingSnap)) {
	t.mu.Lock()
	f(&t.timingSnap)
	t.mu.Unlock()
}

func (t *timings) begin()                      { t.set(func(s *timingSnap) { s.start = time.Now() }) }
func (t *timings) end()                        { t.set(func(s *timingSnap) { s.done = time.Now() }) }
func (t *timings) setReport(r *tlscert.Report) { t.set(func(s *timingSnap) { s.report = r }) }
func (t *timings) snapshot() (s timingSnap)    { t.set(func(c *timingSnap) { s = *c }); return s }
func (t *timings) stamp(f func(*timingSnap) *time.Time) {
	t.set(func(s *timingSnap) { *f(s) = time.Now() })
}

// trace returns ctx with hooks that fill t.
func (t *timings) trace(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { t.stamp(func(s *timingSnap) *time.Time { return &s.dnsStart }) },
		DNSDone:  func(httptrace.DNSDoneInfo) { t.stamp(func(s *timingSnap) *time.Time { return &s.dnsDone }) },
		ConnectStart: func(string, string) {
			t.set(func(s *timingSnap) {
				if s.connStart.IsZero() {
					s.connStart = time.Now()
				}
			})
		},
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				t.stamp(func(s *timingSnap) *time.Time { return &s.connEnd })
			}
		},
		TLSHandshakeStart: func() { t.stamp(func(s *timingSnap) *time.Time { return &s.tlsStart }) },
		TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
			t.set(func(s *timingSnap) {
				s.tlsDone, s.tlsErr = time.Now(), err
				if cs.Version != 0 {
					s.version = tls.VersionName(cs.Version)
				}
			})
		},
		GotConn: func(info httptrace.GotConnInfo) {
			t.set(func(s *timingSnap) { s.remote = info.Conn.RemoteAddr().String() })
		},
		WroteRequest:         func(httptrace.WroteRequestInfo) { t.stamp(func(s *timingSnap) *time.Time { return &s.wrote }) },
		GotFirstResponseByte: func() { t.stamp(func(s *timingSnap) *time.Time { return &s.firstByte }) },
	})
}

// total is the time from the request's start to its end (or to now).
func (s timingSnap) total() time.Duration {
	end := s.done
	if end.IsZero() {
		end = time.Now()
	}
	return end.Sub(s.start)
}

// tlsMs is the handshake's duration, 0 when none completed.
func (s timingSnap) tlsMs() float64 {
	if s.tlsErr != nil {
		return 0
	}
	return sinceMs(s.tlsStart, s.tlsDone)
}

// stage names the phase a failed request stopped in.
func (s timingSnap) stage(https bool) string {
	switch {
	case !s.dnsStart.IsZero() && s.dnsDone.IsZero():
		return "the DNS lookup"
	case s.connEnd.IsZero():
		return "connect"
	case https && (s.tlsDone.IsZero() || s.tlsErr != nil):
		return "the TLS handshake"
	case s.firstByte.IsZero():
		return "the wait for the response"
	}
	return "the body read"
}

// phases is the one-line breakdown of a completed request.
func (s timingSnap) phases(https bool) string {
	out := fmt.Sprintf("dns %g, connect %g", sinceMs(s.dnsStart, s.dnsDone), sinceMs(s.connStart, s.connEnd))
	if https {
		out += fmt.Sprintf(", tls %g", s.tlsMs())
	}
	return out + fmt.Sprintf(", first byte %g ms", sinceMs(s.start, s.firstByte))
}

// evidence holds the phases in ms: dns, connect and tls are each phase's own
// duration; ttfb and total count from the start of the request, as curl's
// time_starttransfer and time_total do; wait is the server's think time
// (request written → first byte).
func (s timingSnap) evidence() map[string]any {
	return map[string]any{
		"dns_ms":       sinceMs(s.dnsStart, s.dnsDone),
		"connect_ms":   sinceMs(s.connStart, s.connEnd),
		"tls_ms":       s.tlsMs(),
		"ttfb_ms":      sinceMs(s.start, s.firstByte),
		"wait_ms":      sinceMs(s.wrote, s.firstByte),
		"total_ms":     millis(s.total()),
		"remote_addr":  s.remote,
		"tls_version":  s.version,
		"http_version": "",
	}
}
