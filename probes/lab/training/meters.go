package training

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"
)

// bounds are the request histogram's buckets in seconds, as Micrometer
// publishes with percentiles-histogram enabled (a subset).
var bounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// seriesKey names one request series: Micrometer's http.server.requests tags.
type seriesKey struct {
	method, uri, status, exception string
}

// meter is one series' histogram.
type meter struct {
	count, sum, max float64
	buckets         []float64 // cumulative, per bounds
}

// meters is the application's http.server.requests timer.
type meters struct {
	mu     sync.Mutex
	series map[seriesKey]*meter
}

func newMeters() *meters { return &meters{series: map[seriesKey]*meter{}} }

// observe counts one request.
func (m *meters) observe(method, uri string, status int, exception string, took time.Duration) {
	k := seriesKey{method: method, uri: uri, status: strconv.Itoa(status), exception: exception}
	s := took.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	mt := m.series[k]
	if mt == nil {
		mt = &meter{buckets: make([]float64, len(bounds))}
		m.series[k] = mt
	}
	mt.count++
	mt.sum += s
	mt.max = max(mt.max, s)
	for i, le := range bounds {
		if s <= le {
			mt.buckets[i]++
		}
	}
}

// outcome is Micrometer's outcome tag for a status.
func outcome(status string) string {
	switch status[0] {
	case '1':
		return "INFORMATIONAL"
	case '2':
		return "SUCCESS"
	case '3':
		return "REDIRECTION"
	case '4':
		return "CLIENT_ERROR"
	}
	return "SERVER_ERROR"
}

// write renders the timer as Prometheus text: one histogram family and its
// _max gauge, series sorted so scrapes are stable.
func (m *meters) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]seriesKey, 0, len(m.series))
	for k := range m.series {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.uri != b.uri {
			return a.uri < b.uri
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.status < b.status
	})
	labels := func(k seriesKey) string {
		return fmt.Sprintf(`application="invoice-api",exception=%q,method=%q,outcome=%q,status=%q,uri=%q`,
			k.exception, k.method, outcome(k.status), k.status, k.uri)
	}
	fmt.Fprint(w, "# HELP http_server_requests_seconds Duration of HTTP server request handling\n# TYPE http_server_requests_seconds histogram\n")
	for _, k := range keys {
		mt := m.series[k]
		ls := labels(k)
		for i, le := range bounds {
			fmt.Fprintf(w, "http_server_requests_seconds_bucket{%s,le=%q} %g\n", ls, strconv.FormatFloat(le, 'f', -1, 64), mt.buckets[i])
		}
		fmt.Fprintf(w, "http_server_requests_seconds_bucket{%s,le=\"+Inf\"} %g\n", ls, mt.count)
		fmt.Fprintf(w, "http_server_requests_seconds_count{%s} %g\n", ls, mt.count)
		fmt.Fprintf(w, "http_server_requests_seconds_sum{%s} %g\n", ls, mt.sum)
	}
	fmt.Fprint(w, "# HELP http_server_requests_seconds_max Duration of HTTP server request handling\n# TYPE http_server_requests_seconds_max gauge\n")
	for _, k := range keys {
		fmt.Fprintf(w, "http_server_requests_seconds_max{%s} %g\n", labels(k), m.series[k].max)
	}
}
