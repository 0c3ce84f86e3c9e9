package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// TestMetricsFakeApp is the done-when on the probe: an app whose
// metrics show 20% 5xx and a pool at 95% gives error_rate and pool crit.
func TestMetricsFakeApp(t *testing.T) {
	for _, om := range []bool{false, true} {
		name := "text"
		if om {
			name = "openmetrics"
		}
		t.Run(name, func(t *testing.T) {
			app := newFakeApp()
			app.OpenMetrics = om
			app.set(func(a *fakeApp) { a.Active, a.Max, a.Breakers = 19, 20, map[string]string{"taxService": "closed"} })
			app.serve("200", 500, 0.02)
			p, err := NewMetrics(probes.Spec{Kind: "metrics", URL: app.start(t)})
			require.NoError(t, err)
			t.Cleanup(func() { _ = p.Close() })
			clock := time.Unix(1_700_000_000, 0)
			p.now = func() time.Time { return clock }

			first := byCheck(p.Run(context.Background()))
			assert.Equal(t, probes.Unknown, first["error_rate"].Status, "a first sample has no rate yet")
			assert.True(t, first["error_rate"].Warmup, "it is shown but does not grade")
			assert.Contains(t, first["error_rate"].Summary, "first sample")
			assert.Equal(t, probes.Crit, first["pool"].Status, "gauges are graded at once")
			assert.Equal(t, probes.OK, first["circuit_breaker"].Status)

			app.serve("200", 80, 0.02)
			app.serve("500", 20, 4)
			app.set(func(a *fakeApp) { a.Breakers["taxService"] = "open" })
			clock = clock.Add(5 * time.Second)
			second := byCheck(p.Run(context.Background()))
			er := second["error_rate"]
			assert.Equal(t, probes.Crit, er.Status, er.Summary)
			assert.InDelta(t, 20, *er.Value, 1e-9)
			assert.Equal(t, map[string]float64{"200": 80, "500": 20}, er.Evidence["by_status"])
			assert.Equal(t, "errors 20.0% (20 of 100 requests in 5s) (crit > 10%)", er.Summary)
			pool := second["pool"]
			assert.Equal(t, probes.Crit, pool.Status, pool.Summary)
			assert.InDelta(t, 95, *pool.Value, 1e-9)
			lat := second["latency"]
			assert.Equal(t, probes.Warn, lat.Status, lat.Summary)
			assert.InDelta(t, 2.5, *lat.Value, 1e-9)
			assert.Equal(t, probes.Crit, second["circuit_breaker"].Status)
		})
	}
}

func TestMetricsScrapeFailures(t *testing.T) {
	big := strings.Repeat("x 1\n", maxScrapeBytes/4+1)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{name: "not exposition text", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("<html>Whitelabel Error Page</html>\n"))
		}, want: "not valid exposition text"},
		{name: "http error", handler: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "nope", http.StatusServiceUnavailable)
		}, want: "HTTP 503"},
		{name: "body over the cap", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(big))
		}, want: "more than 8 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			p, err := NewMetrics(probes.Spec{URL: srv.URL})
			require.NoError(t, err)
			rs := p.Run(context.Background())
			require.Len(t, rs, 4)
			for _, r := range rs {
				assert.Equal(t, probes.Unknown, r.Status)
				assert.Contains(t, r.Err, tc.want)
				assert.Contains(t, r.Summary, "scrape failed")
			}
		})
	}
}

func TestMetricsRefusedAndCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	url := srv.URL
	srv.Close() // the port now refuses
	p, err := NewMetrics(probes.Spec{URL: url})
	require.NoError(t, err)
	for _, r := range p.Run(context.Background()) {
		assert.Equal(t, probes.Unknown, r.Status)
		assert.Contains(t, r.Err, "refused")
	}

	hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	p, err = NewMetrics(probes.Spec{URL: hang.URL})
	require.NoError(t, err)
	const deadline = 100 * time.Millisecond // the server never answers
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	rs := p.Run(ctx)
	grace.Within(t, time.Since(start), deadline, "a hanging scrape")
	assert.Equal(t, probes.Unknown, rs[0].Status)
	_ = p.Close()
}

// TestMetricsDoneWhenScheduler runs the fake app through the scheduler the
// way `triage check` does (two rounds) and reads the JSON it would print.
func TestMetricsDoneWhenScheduler(t *testing.T) {
	app := newFakeApp()
	app.set(func(a *fakeApp) { a.Active, a.Max = 19, 20 })
	app.serve("200", 1000, 0.02)
	p, err := MetricsKind.New(probes.Spec{Kind: "metrics", URL: app.start(t)})
	require.NoError(t, err)
	s := probes.NewScheduler([]probes.Target{{Component: "invoice-api", ProbeID: "metrics", Kind: "metrics", Probe: p, Timeout: 2 * time.Second}}, probes.Options{})
	t.Cleanup(s.Close)
	// The scheduler frees a target before it hands over the results, so the
	// next round, started as soon as this one returns, runs the probe again:
	// an order of events, no pause needed.
	s.Round(context.Background())
	app.serve("200", 80, 0.02)
	app.serve("503", 20, 0.02)
	snap := s.Round(context.Background())

	er, ok := snap.ByID("invoice-api/metrics/error_rate")
	require.True(t, ok)
	assert.Equal(t, probes.Crit, er.Status, er.Summary)
	assert.Equal(t, probes.Application, er.Layer)
	pool, ok := snap.ByID("invoice-api/metrics/pool")
	require.True(t, ok)
	assert.Equal(t, probes.Crit, pool.Status, pool.Summary)
	js, err := json.Marshal(pool.Result)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"status":"crit"`)
	assert.Contains(t, string(js), `"pools":[{"active":19,"max":20,"pending":0,"percent":95,"pool":"HikariPool-1"}]`)
	_, shown := snap.ByID("invoice-api/metrics/circuit_breaker")
	assert.False(t, shown, "a breaker metric the app does not expose is left out, not unknown forever")
	assert.Equal(t, []string{"circuit_breaker (resilience4j_circuitbreaker_state)"}, pool.Evidence["not_exposed"])
	assert.Len(t, snap.Results(), 3)
}

// TestMetricsRenamed reads another stack's names (client_golang style).
func TestMetricsRenamed(t *testing.T) {
	var mu sync.Mutex
	ok, bad := 100.0, 0.0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = fmt.Fprintf(w, "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\",handler=\"/\"} %g\nhttp_requests_total{code=\"502\",handler=\"/\"} %g\n", ok, bad)
	}))
	t.Cleanup(srv.Close)
	p, err := NewMetrics(probes.Spec{URL: srv.URL, Metrics: map[string]string{"requests": "http_requests_total", "status_label": "code", "error_status": "50[234]"}})
	require.NoError(t, err)
	p.Run(context.Background())
	mu.Lock()
	ok, bad = 190, 10
	mu.Unlock()
	r := byCheck(p.Run(context.Background()))["error_rate"]
	assert.Equal(t, probes.Warn, r.Status, r.Summary)
	assert.InDelta(t, 10, *r.Value, 1e-9)
}
