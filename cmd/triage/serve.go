package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/alerting"
	"github.com/fivelayer/triage/probes/serve"
)

func newServeCmd(g *globals) *cobra.Command {
	var listen, sshAddr, authorizedKeys string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Probe continuously and serve /metrics, /api/v1/snapshot and /healthz; hand alerts to Alertmanager",
		Long: `Run one scheduler and one incident (the screen's grading, for: durations
included) and serve them over HTTP:

  /metrics           Prometheus text or OpenMetrics (triage_check_status,
                     triage_check_value, triage_grade, triage_root_cause, …)
  /api/v1/snapshot   the JSON of 'triage check --format json'
  /healthz           200 while rounds complete, 503 once the data is stale

A scrape never waits for a probe round: it gets the latest snapshot and
triage_snapshot_age_seconds. With alerting.alertmanagers in the config, each
root cause and the grade go to Alertmanager's API v2 as alerts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sshAddr != "" || authorizedKeys != "" {
				return &exitError{3, errors.New("--ssh: serving the screen over SSH is not yet available; serve HTTP with --listen")}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, g, listen)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:9465", "HTTP `ADDR` (host:port; :9465 for every interface)")
	f.StringVar(&sshAddr, "ssh", "", "serve the screen over SSH on `ADDR` (not yet available)")
	f.StringVar(&authorizedKeys, "authorized-keys", "", "operators' public keys for --ssh (not yet available)")
	return cmd
}

// runServe wires scheduler → tracker (serve.Live) → HTTP and Alertmanager.
func runServe(ctx context.Context, g *globals, listen string) error {
	cfg, targets, err := loadEstate(ctx, g)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return &exitError{3, fmt.Errorf("--listen: %w", err)}
	}
	s := probes.NewScheduler(targets, probes.Options{Interval: cfg.IntervalD()})
	defer s.Close()
	inc := openIncidentStore(cfg) // one incident, resumed after a restart
	defer inc.Close()
	storeWarning(inc)
	live := serve.NewLive(cfg.Estate, inc.Tracker, nil)

	var wg sync.WaitGroup
	defer wg.Wait() // after ctx is done (the deferred stop below runs first)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var extra []prometheus.Collector
	if am := cfg.Alerting.Alertmanagers; len(am) > 0 {
		extra = append(extra, startAlerting(ctx, &wg, cfg, live))
	}
	snaps := s.Subscribe()
	wg.Add(1)
	go func() { defer wg.Done(); live.Run(ctx, snaps) }()
	wg.Add(1)
	go func() { defer wg.Done(); watchStore(ctx, inc, cfg.IntervalD()) }()
	s.Start(ctx)

	// Stale: three intervals plus a timeout without a completed round.
	stale := 3*cfg.IntervalD() + cfg.TimeoutD()
	srv := &http.Server{Handler: serve.Handler(live, serve.Options{StaleAfter: stale, Collectors: extra}), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "triage: serving %s on http://%s (/metrics /api/v1/snapshot /healthz)\n", cfg.Estate, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return &exitError{2, fmt.Errorf("http: %w", err)}
	}
	shut, cancelShut := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShut()
	_ = srv.Shutdown(shut)
	return nil
}

// startAlerting hands every graded state to Alertmanager on goroutines of
// its own. Failures are logged once per change of state, not per retry,
// and counted by the returned collector for /metrics.
func startAlerting(ctx context.Context, wg *sync.WaitGroup, cfg *config.Config, live *serve.Live) prometheus.Collector {
	var mu sync.Mutex
	failing := map[string]bool{}
	h := alerting.StartHandOff(ctx, cfg.Alerting.Alertmanagers, alerting.HandOffOptions{
		Resend:  cfg.Alerting.ResendD(),
		Timeout: cfg.Alerting.TimeoutD(),
		OnResult: func(url string, alerts int, err error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && !failing[url]:
				fmt.Fprintf(os.Stderr, "triage: alerting: %v (retrying with backoff)\n", err)
			case err == nil && failing[url]:
				fmt.Fprintf(os.Stderr, "triage: alerting: %s accepts alerts again (%d sent)\n", url, alerts)
			}
			failing[url] = err != nil
		},
	})
	live.Observe(func(st serve.State) { h.ObserveReport(st.Report) })
	wg.Add(1)
	go func() { defer wg.Done(); h.Wait() }()
	return h.Collector()
}
