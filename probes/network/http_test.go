package network

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab"
	"github.com/fivelayer/triage/probes/tlscert/certtest"
)

const day = 24 * time.Hour

// tlsServer starts an HTTPS server on loopback with cert; hits counts the
// requests that reached the handler.
func tlsServer(t *testing.T, cert tls.Certificate, h http.HandlerFunc) (url string, hits *atomic.Int32) {
	t.Helper()
	hits = &atomic.Int32{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes our probe refuses
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

func plainServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) }

func runHTTP(t *testing.T, spec probes.Spec, timeout time.Duration) (map[string]probes.Result, time.Duration) {
	t.Helper()
	p, err := NewHTTP(spec)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	rs := p.Run(ctx)
	took := time.Since(start)
	require.Len(t, rs, len(p.Checks()))
	out := map[string]probes.Result{}
	for i, r := range rs {
		assert.Equal(t, p.Checks()[i].Name, r.Check)
		out[r.Check] = r
	}
	return out, took
}

func TestHTTPSCertificates(t *testing.T) {
	ca, err := certtest.NewCA("test CA")
	require.NoError(t, err)
	stranger, err := certtest.NewCA("stranger CA")
	require.NoError(t, err)
	caFile, err := ca.WriteFile(t.TempDir())
	require.NoError(t, err)
	mk := func(c tls.Certificate, err error) tls.Certificate { require.NoError(t, err); return c }
	expired := mk(ca.Issue(time.Now().Add(-40*day), time.Now().Add(-2*day), "127.0.0.1"))

	tests := []struct {
		name                 string
		cert                 tls.Certificate
		spec                 probes.Spec
		reach, status, certS probes.Status
		reachSum, certSum    string
		sent                 bool
	}{
		{"valid", mk(ca.Valid(90*day, "127.0.0.1")), probes.Spec{CAFile: caFile},
			probes.OK, probes.OK, probes.OK, "HTTP/2.0 from 127.0.0.1:", "expires in 90 days", true},
		{"3 days", mk(ca.Valid(3*day, "127.0.0.1")), probes.Spec{CAFile: caFile},
			probes.OK, probes.OK, probes.Crit, "in ", "expires in 3 days", true},
		{"expired", expired, probes.Spec{CAFile: caFile},
			probes.Crit, probes.Crit, probes.Crit, "TLS: expired at " + expired.Leaf.NotAfter.UTC().Format("2006-01-02 15:04 UTC") + " (no request sent)", "expired at", false},
		{"wrong host", mk(ca.Valid(90*day, "other.test")), probes.Spec{CAFile: caFile, ServerName: "api.test"},
			probes.Crit, probes.Crit, probes.Crit, "TLS: certificate is valid for other.test, not api.test", "certificate is valid for other.test, not api.test", false},
		{"unknown CA", mk(stranger.Valid(90*day, "127.0.0.1")), probes.Spec{CAFile: caFile},
			probes.Crit, probes.Crit, probes.Crit, "TLS: certificate signed by unknown authority", "certificate signed by unknown authority", false},
		{"system roots", mk(ca.Valid(90*day, "127.0.0.1")), probes.Spec{},
			probes.Crit, probes.Crit, probes.Crit, "certificate signed by unknown authority", "certificate signed by unknown authority", false},
		{"server_name", mk(ca.Valid(90*day, "api.test")), probes.Spec{CAFile: caFile, ServerName: "api.test"},
			probes.OK, probes.OK, probes.OK, "from 127.0.0.1:", "expires in 90 days", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, hits := tlsServer(t, tc.cert, ok)
			tc.spec.URL = url
			rs, _ := runHTTP(t, tc.spec, 2*time.Second)
			reach, status, cert := rs["reachability"], rs["status"], rs["certificate"]
			t.Logf("reachability: %s | status: %s | certificate: %s", reach.Summary, status.Summary, cert.Summary)
			assert.Equal(t, tc.reach, reach.Status, reach.Summary)
			assert.Equal(t, tc.status, status.Status, status.Summary)
			assert.Equal(t, tc.certS, cert.Status, cert.Summary)
			assert.Contains(t, reach.Summary, tc.reachSum)
			assert.Contains(t, cert.Summary, tc.certSum)
			assert.Equal(t, tc.sent, hits.Load() > 0, "a request is sent only over a verified connection")
			assert.Equal(t, "TLS 1.3", cert.Evidence["tls_version"])
			if tc.sent {
				for _, k := range []string{"dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms", "remote_addr", "http_version"} {
					assert.Contains(t, reach.Evidence, k)
				}
				assert.Greater(t, reach.Evidence["tls_ms"], 0.0)
				assert.Equal(t, "HTTP/2.0", reach.Evidence["http_version"])
			} else {
				assert.Equal(t, "the TLS handshake", reach.Evidence["stage"])
			}
		})
	}
}

func TestHTTPStatus(t *testing.T) {
	actuatorDown := `{"status":"DOWN","components":{"db":{"status":"DOWN","details":{"error":"Connection refused"}},` +
		`"diskSpace":{"status":"UP","details":{"total":1,"free":1}},"ping":{"status":"UP"}}}`
	tests := []struct {
		name    string
		code    int
		body    string
		expect  []int
		status  probes.Status
		summary string
		ev      map[string]any
	}{
		{"200", 200, "hello", nil, probes.OK, "HTTP 200 OK", map[string]any{"status_code": 200, "expected": "200-399"}},
		{"302 not followed", 302, "", nil, probes.OK, "HTTP 302 Found", nil},
		{"404 warn", 404, "", nil, probes.Warn, "HTTP 404 Not Found, expected 200-399", nil},
		{"404 expected", 404, "", []int{404}, probes.OK, "HTTP 404 Not Found", map[string]any{"expected": "404"}},
		{"200 unexpected", 200, "", []int{204}, probes.Warn, "HTTP 200 OK, expected 204", nil},
		{"500 crit", 500, "", nil, probes.Crit, "HTTP 500 Internal Server Error, expected 200-399", nil},
		{"503 crit (seed)", 503, "", nil, probes.Crit, "HTTP 503 Service Unavailable, expected 200-399", nil},
		{"actuator up", 200, `{"status":"UP","components":{"db":{"status":"UP"}}}`, nil, probes.OK, "HTTP 200 OK; actuator UP",
			map[string]any{"actuator_status": "UP", "components": map[string]string{"db": "UP"}}},
		{"actuator db down", 503, actuatorDown, nil, probes.Crit, "HTTP 503 Service Unavailable, expected 200-399; actuator: db DOWN",
			map[string]any{"actuator_status": "DOWN", "components": map[string]string{"db": "DOWN", "diskSpace": "UP", "ping": "UP"}}},
		{"actuator down with 200", 200, `{"status":"OUT_OF_SERVICE"}`, nil, probes.Crit, "HTTP 200 OK; actuator OUT_OF_SERVICE", nil},
		{"not actuator json", 200, `{"status":"fine"}`, nil, probes.OK, "HTTP 200 OK", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := plainServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Location", "/elsewhere")
				w.WriteHeader(tc.code)
				_, _ = w.Write([]byte(tc.body))
			})
			rs, _ := runHTTP(t, probes.Spec{URL: url + "/actuator/health", ExpectStatus: tc.expect}, 2*time.Second)
			assert.NotContains(t, rs, "certificate", "no certificate check for http")
			assert.Equal(t, probes.OK, rs["reachability"].Status, rs["reachability"].Summary)
			st := rs["status"]
			assert.Equal(t, tc.status, st.Status, st.Summary)
			assert.Equal(t, tc.summary, st.Summary)
			require.NotNil(t, st.Value)
			assert.Equal(t, float64(tc.code), *st.Value)
			for k, v := range tc.ev {
				assert.Equal(t, v, st.Evidence[k], k)
			}
		})
	}
}

func TestHTTPFailures(t *testing.T) {
	refused, err := lab.RefusedAddr()
	require.NoError(t, err)
	hanging, err := lab.NewHanging()
	require.NoError(t, err)
	t.Cleanup(hanging.Close)
	silent, err := lab.NewSilent()
	require.NoError(t, err)
	t.Cleanup(silent.Close)
	big := plainServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(strings.Repeat("x", 100<<10))) })

	tests := []struct {
		name, url string
		reach     probes.Status
		summary   string
	}{
		{"refused", "http://" + refused + "/", probes.Crit, "connection refused during connect"},
		{"accepts never answers", "http://" + hanging.Addr + "/", probes.Crit, "timed out after"},
		{"silent https", "https://" + hanging.Addr + "/", probes.Crit, "during the TLS handshake"},
		{"connect never completes", "http://" + silent.Addr + "/", probes.Crit, "during connect"},
		{"body capped", big + "/", probes.OK, "HTTP/1.1 from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Long enough for the capped body under -race on a busy
			// machine; only the failing cases wait for it.
			timeout := grace.Scale(800 * time.Millisecond)
			rs, took := runHTTP(t, probes.Spec{URL: tc.url}, timeout)
			r := rs["reachability"]
			t.Logf("reachability: %s | status: %s", r.Summary, rs["status"].Summary)
			assert.Equal(t, tc.reach, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tc.summary)
			grace.Within(t, took, timeout, tc.name)
			if tc.reach == probes.Crit {
				assert.Equal(t, probes.Crit, rs["status"].Status)
				assert.Contains(t, rs["status"].Summary, "no response: ")
				assert.NotEmpty(t, r.Err)
			}
			if c, ok := rs["certificate"]; ok {
				assert.Equal(t, probes.Unknown, c.Status, c.Summary)
			}
		})
	}
	rs, _ := runHTTP(t, probes.Spec{URL: big}, time.Second)
	assert.Equal(t, true, rs["status"].Evidence["body_truncated"])
	assert.Equal(t, bodyCap, rs["status"].Evidence["body_bytes"])
}

func TestHTTPSilentTimesOut(t *testing.T) {
	hanging, err := lab.NewHanging()
	require.NoError(t, err)
	t.Cleanup(hanging.Close)
	const timeout = 500 * time.Millisecond
	rs, took := runHTTP(t, probes.Spec{URL: "http://" + hanging.Addr + "/health"}, timeout)
	r := rs["reachability"]
	assert.Equal(t, probes.Crit, r.Status)
	assert.Contains(t, r.Summary, "timed out after")
	assert.Contains(t, r.Summary, "during the wait for the response")
	grace.Within(t, took, timeout, "a server that never answers")
}

func TestNewHTTP(t *testing.T) {
	tests := []struct {
		url    string
		err    string
		checks int
	}{
		{"https://api.test/health", "", 3},
		{"http://api.test/health", "", 2},
		{"ftp://api.test/", "scheme must be http or https", 0},
		{"http:///nohost", "has no host", 0},
		{"https://user:secret@api.test/", "", 3},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			p, err := NewHTTP(probes.Spec{URL: tc.url})
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Len(t, p.Checks(), tc.checks)
		})
	}
}

func TestHTTPSecretsRedacted(t *testing.T) {
	url := plainServer(t, ok)
	rs, _ := runHTTP(t, probes.Spec{URL: strings.Replace(url, "http://", "http://ops:hunter2@", 1)}, time.Second)
	for _, r := range rs {
		assert.NotContains(t, r.Summary, "hunter2")
		assert.NotContains(t, r.Evidence["url"], "hunter2")
	}
}

func TestHTTPReachabilityThreshold(t *testing.T) {
	url := plainServer(t, func(w http.ResponseWriter, _ *http.Request) { time.Sleep(60 * time.Millisecond) })
	rs, _ := runHTTP(t, probes.Spec{URL: url, Thresholds: map[string]probes.Threshold{"reachability": {Warn: probes.V(20)}}}, time.Second)
	assert.Equal(t, probes.Warn, rs["reachability"].Status)
	assert.Contains(t, rs["reachability"].Summary, "> 20 ms warn")
}
