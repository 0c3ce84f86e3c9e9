package host

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// serveFixtures answers each request with the next fixture (the last repeats).
func serveFixtures(t *testing.T, names ...string) *httptest.Server {
	t.Helper()
	var bodies [][]byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		require.NoError(t, err)
		bodies = append(bodies, b)
	}
	i := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Contains(t, r.Header.Get("Accept"), "text/plain")
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(bodies[min(i, len(bodies)-1)])
		i++
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newNE(t *testing.T, spec probes.Spec) *NodeExporter {
	t.Helper()
	spec.Kind = "node_exporter"
	p, err := NodeExporterKind.New(spec)
	require.NoError(t, err)
	return p.(*NodeExporter)
}

func runWithin(p probes.Probe, d time.Duration) []probes.Result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return p.Run(ctx)
}

func TestNodeExporterScrape(t *testing.T) {
	srv := serveFixtures(t, "node_exporter_tcpstat.txt", "node_exporter_tcpstat_2s.txt")
	p := newNE(t, probes.Spec{URL: srv.URL + "/metrics"})
	assert.Equal(t, HostChecks, p.Checks())
	clock := t0
	p.now = func() time.Time { clock = clock.Add(2 * time.Second); return clock } // the fixtures are 2 s apart

	first := byCheck(runWithin(p, 3*time.Second))
	require.Len(t, first, len(HostChecks))
	assert.Equal(t, probes.Unknown, first[CheckCPU].Status, "CPU is a rate: the first scrape primes it")
	assert.Equal(t, firstSample, first[CheckCPU].Summary)
	for _, c := range []string{CheckMemory, CheckSwap, CheckLoad, CheckDisk, CheckInodes, CheckFDs, CheckSockets} {
		assert.Equal(t, probes.OK, first[c].Status, "%s: %s", c, first[c].Summary)
	}
	assert.Equal(t, "memory 3.0% used (22.8 GiB available of 23.5 GiB)", first[CheckMemory].Summary)

	second := byCheck(runWithin(p, 3*time.Second))
	for _, r := range second {
		assert.Equal(t, probes.OK, r.Status, "%s: %s", r.Check, r.Summary)
		assert.Empty(t, r.Err)
	}
	assert.Contains(t, second[CheckCPU].Summary, "on 2 cores")
}

func TestNodeExporterFailures(t *testing.T) {
	big := strings.Repeat("# filler comment line\n", (maxScrapeBytes/22)+10)
	handler := func(status int, ctype, body string, delay time.Duration) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if delay > 0 {
				select {
				case <-time.After(delay):
				case <-r.Context().Done():
					return
				}
			}
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	tests := []struct {
		name    string
		h       http.HandlerFunc // nil: nobody listens
		summary string
	}{
		{name: "refused", summary: "scrape failed: connection refused"},
		{name: "timeout", h: handler(200, "text/plain", "node_load1 1\n", time.Hour), summary: "scrape failed: timed out"},
		{name: "non-200", h: handler(503, "text/plain", "down", 0), summary: "scrape failed: HTTP 503 Service Unavailable"},
		{name: "html", h: handler(200, "text/html; charset=utf-8", "<html></html>", 0), summary: "scrape failed: not exposition text: content type text/html"},
		{name: "garbage", h: handler(200, "text/plain", "this is { not metrics\n", 0), summary: "scrape failed: not exposition text"},
		{name: "too large", h: handler(200, "text/plain", big, 0), summary: "scrape failed: body too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := "http://" + closedPort(t) + "/metrics"
			if tt.h != nil {
				srv := httptest.NewServer(tt.h)
				t.Cleanup(srv.Close)
				url = srv.URL + "/metrics"
			}
			p := newNE(t, probes.Spec{URL: url})
			// Every server but one answers at once: their deadline only has
			// to be long enough to read and refuse 8 MiB on a busy machine
			// under -race, and what is asserted is the failure they cause.
			// The server that never answers is the deadline's case: the
			// probe must give up at it.
			deadline := grace.Scale(5 * time.Second)
			if tt.name == "timeout" {
				deadline = 500 * time.Millisecond
			}
			start := time.Now()
			rs := runWithin(p, deadline)
			if tt.name == "timeout" {
				grace.Within(t, time.Since(start), deadline, "a server that never answers")
			}
			require.Len(t, rs, len(HostChecks))
			for _, r := range rs {
				assert.Equal(t, probes.Unknown, r.Status, "a scrape failure is not a host failure")
				assert.Contains(t, r.Summary, tt.summary)
				assert.NotEmpty(t, r.Err)
			}
		})
	}
}

func TestNodeExporterTLS(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "node_exporter.txt"))
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	tests := []struct {
		name    string
		spec    probes.Spec
		memory  probes.Status
		summary string
	}{
		{name: "ca_file trusted", spec: probes.Spec{URL: srv.URL, CAFile: ca}, memory: probes.OK},
		{name: "server_name in the certificate", spec: probes.Spec{URL: srv.URL, CAFile: ca, ServerName: "example.com"}, memory: probes.OK},
		{name: "server_name not in the certificate", spec: probes.Spec{URL: srv.URL, CAFile: ca, ServerName: "db.internal"}, memory: probes.Unknown, summary: "certificate"},
		{name: "unknown CA", spec: probes.Spec{URL: srv.URL}, memory: probes.Unknown, summary: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := byCheck(runWithin(newNE(t, tt.spec), 2*time.Second))[CheckMemory]
			assert.Equal(t, tt.memory, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tt.summary)
		})
	}
}

func TestNodeExporterNew(t *testing.T) {
	tests := []struct {
		name string
		spec probes.Spec
		want string
	}{
		{name: "no scheme", spec: probes.Spec{URL: "10.0.0.1:9100/metrics"}, want: "url"},
		{name: "no host", spec: probes.Spec{URL: "http:///metrics"}, want: "want http:// or https://"},
		{name: "ftp", spec: probes.Spec{URL: "ftp://host/metrics"}, want: "want http:// or https://"},
		{name: "missing ca_file", spec: probes.Spec{URL: "https://host/metrics", CAFile: "/nonexistent/ca.pem"}, want: "ca_file"},
		{name: "ca_file without PEM", spec: probes.Spec{URL: "https://host/metrics", CAFile: "testdata/proc/vmstat"}, want: "no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NodeExporterKind.New(tt.spec)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// closedPort returns a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
