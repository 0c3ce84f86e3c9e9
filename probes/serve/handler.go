package serve

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fivelayer/triage/probes/export"
)

// Options tune the HTTP handler.
type Options struct {
	// StaleAfter is the data age past which /healthz answers 503: the
	// probes have stopped finishing rounds. Zero never reports stale.
	StaleAfter time.Duration
	// Now is the clock, for tests; nil means time.Now.
	Now func() time.Time
	// Collectors are registered besides triage's own (the alert hand-off's).
	Collectors []prometheus.Collector
}

// Handler serves /metrics, /api/v1/snapshot and /healthz for live. Its
// registry is its own (triage's collector plus the Go and process
// collectors), so two handlers in one process do not collide.
func Handler(live *Live, opts Options) http.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		NewCollector(live, opts.Now),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	reg.MustRegister(opts.Collectors...)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.HandleFunc("GET /api/v1/snapshot", func(w http.ResponseWriter, _ *http.Request) {
		st := live.Current()
		w.Header().Set("Content-Type", "application/json")
		// The body is exactly `triage check --format json`; the age rides in
		// a header so that shape stays the same.
		w.Header().Set("X-Triage-Snapshot-Age", strconv.FormatFloat(live.Age(opts.Now()).Seconds(), 'f', 3, 64))
		_ = export.JSON(w, st.Report)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		st := live.Current()
		age := live.Age(opts.Now())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		switch {
		case opts.StaleAfter > 0 && age > opts.StaleAfter && st.Round == 0:
			// A first round that never ends is as blind as a stale one.
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "stale: no round completed in %s (limit %s)\n", age.Round(time.Millisecond), opts.StaleAfter)
		case st.Round == 0:
			fmt.Fprintf(w, "ok: starting, no round completed yet (%s)\n", age.Round(time.Millisecond))
		case opts.StaleAfter > 0 && age > opts.StaleAfter:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "stale: the latest round ended %s ago (limit %s)\n", age.Round(time.Millisecond), opts.StaleAfter)
		default:
			fmt.Fprintf(w, "ok: round %d, data %s old, grade %s\n", st.Round, age.Round(time.Millisecond), st.Report.Severity)
		}
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "triage serve: /metrics /api/v1/snapshot /healthz\n")
	})
	return mux
}
