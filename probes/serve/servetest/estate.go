// Package servetest runs a small real estate for the tests of `triage
// serve`: an HTTP application on loopback that the test turns down (503)
// and up again, watched by a real scheduler, graded by a serve.Live and
// served by serve.Handler on a loopback port.
package servetest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/serve"
)

// Interval is the estate's probe interval: short, so tests wait little;
// every deadline in the tests is a multiple of it.
const Interval = 300 * time.Millisecond

// Estate is a running estate "shop" with one core component "api".
type Estate struct {
	Config    *config.Config
	Scheduler *probes.Scheduler
	Live      *serve.Live
	// URL is the base URL of the served /metrics, /api/v1/snapshot, /healthz.
	URL  string
	down atomic.Bool
}

// SetDown makes the application answer 503 (true) or 200 (false).
func (e *Estate) SetDown(down bool) { e.down.Store(down) }

// Start runs the estate until the test ends. extra is YAML appended to
// the config (an alerting: section, say).
func Start(t testing.TB, extra string) *Estate {
	t.Helper()
	e := &Estate{}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if e.down.Load() {
			http.Error(w, "down for the test", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"status":"UP"}`))
	}))
	t.Cleanup(app.Close)
	yaml := fmt.Sprintf(`estate: shop
interval: %s
timeout: 2s
core: [api]
components:
  - name: api
    probes:
      - {kind: http, url: %q, expect_status: [200]}
%s`, Interval, app.URL+"/health", extra)
	cfg, err := config.Parse([]byte(yaml), "servetest", kinds.Registry)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	targets, errs := kinds.Targets(cfg)
	if len(errs) > 0 {
		t.Fatalf("targets: %v", errs)
	}
	e.Config = cfg
	e.Scheduler = probes.NewScheduler(targets, probes.Options{Interval: cfg.IntervalD()})
	e.Live = serve.NewLive(cfg.Estate, incident.NewTracker(cfg.Topology()), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	snaps := e.Scheduler.Subscribe()
	go func() { defer close(done); e.Live.Run(ctx, snaps) }()
	e.Scheduler.Start(ctx)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: serve.Handler(e.Live, serve.Options{StaleAfter: 3*Interval + 2*time.Second}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	e.URL = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		_ = srv.Close()
		cancel()
		<-done
		e.Scheduler.Close()
	})
	return e
}

// WaitFor polls cond every interval until it holds or deadline passes; it
// returns whether it held. Deadlines are the caller's, derived from Interval.
func WaitFor(deadline time.Duration, cond func() bool) bool {
	end := time.Now().Add(deadline)
	for {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(Interval / 3)
	}
}
