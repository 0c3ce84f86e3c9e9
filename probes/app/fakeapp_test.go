package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
)

// fakeBounds are the fake app's histogram bucket bounds, in seconds.
var fakeBounds = []float64{0.05, 0.1, 0.5, 1, 2.5}

// fakeApp is a loopback Spring Boot look-alike: /actuator/prometheus exposes
// Micrometer-style request counters and histogram, HikariCP gauges and
// Resilience4j breaker states that a test sets between scrapes.
type fakeApp struct {
	mu sync.Mutex
	// count and buckets are per status; buckets are cumulative per fakeBounds plus +Inf.
	count   map[string]float64
	buckets map[string][]float64
	// Histogram false renders a Micrometer summary (no buckets).
	Histogram   bool
	OpenMetrics bool
	Body        string // served verbatim instead of the metrics when set
	Active      float64
	Max         float64
	Pending     float64
	Breakers    map[string]string // name → current state
	NoPool      bool
}

// newFakeApp returns an app with a histogram, an idle 20-connection pool and no breakers.
func newFakeApp() *fakeApp {
	return &fakeApp{count: map[string]float64{}, buckets: map[string][]float64{}, Histogram: true, Max: 20}
}

// start serves the app on 127.0.0.1 until the test ends and returns its metrics URL.
func (a *fakeApp) start(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.OpenMetrics {
			w.Header().Set("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		}
		if a.Body != "" {
			_, _ = fmt.Fprint(w, a.Body)
			return
		}
		_, _ = fmt.Fprint(w, a.render())
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/actuator/prometheus"
}

// serve records n requests answered with status, each taking seconds.
func (a *fakeApp) serve(status string, n int, seconds float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.count[status] += float64(n)
	bs := a.buckets[status]
	if bs == nil {
		bs = make([]float64, len(fakeBounds)+1)
		a.buckets[status] = bs
	}
	for i, le := range fakeBounds {
		if seconds <= le {
			bs[i] += float64(n)
		}
	}
	bs[len(fakeBounds)] += float64(n)
}

// set changes gauges under the lock.
func (a *fakeApp) set(f func(a *fakeApp)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(a)
}

func (a *fakeApp) render() string {
	var b strings.Builder
	statuses := make([]string, 0, len(a.count))
	for s := range a.count {
		statuses = append(statuses, s)
	}
	sort.Strings(statuses)
	labels := func(status string) string {
		outcome := "SUCCESS"
		if strings.HasPrefix(status, "5") {
			outcome = "SERVER_ERROR"
		}
		return fmt.Sprintf(`method="GET",outcome=%q,status=%q,uri="/api/invoices"`, outcome, status)
	}
	if a.Histogram {
		b.WriteString("# TYPE http_server_requests_seconds histogram\n")
	} else {
		b.WriteString("# TYPE http_server_requests_seconds summary\n")
	}
	for _, s := range statuses {
		if a.Histogram {
			for i, le := range fakeBounds {
				fmt.Fprintf(&b, "http_server_requests_seconds_bucket{%s,le=\"%g\"} %g\n", labels(s), le, a.buckets[s][i])
			}
			fmt.Fprintf(&b, "http_server_requests_seconds_bucket{%s,le=\"+Inf\"} %g\n", labels(s), a.buckets[s][len(fakeBounds)])
		}
		fmt.Fprintf(&b, "http_server_requests_seconds_count{%s} %g\n", labels(s), a.count[s])
		fmt.Fprintf(&b, "http_server_requests_seconds_sum{%s} %g\n", labels(s), a.count[s]*0.1)
	}
	if !a.NoPool {
		for _, g := range []struct {
			name string
			v    float64
		}{{"active", a.Active}, {"max", a.Max}, {"pending", a.Pending}} {
			fmt.Fprintf(&b, "# TYPE hikaricp_connections_%s gauge\nhikaricp_connections_%s{pool=\"HikariPool-1\"} %g\n", g.name, g.name, g.v)
		}
	}
	if len(a.Breakers) > 0 {
		b.WriteString("# TYPE resilience4j_circuitbreaker_state gauge\n")
		for name, cur := range a.Breakers {
			for _, st := range []string{"closed", "open", "half_open", "forced_open"} {
				v := 0
				if st == cur {
					v = 1
				}
				fmt.Fprintf(&b, "resilience4j_circuitbreaker_state{name=%q,state=%q} %d\n", name, st, v)
			}
		}
	}
	if a.OpenMetrics {
		b.WriteString("# EOF\n")
	}
	return b.String()
}
