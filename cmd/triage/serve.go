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
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/serve"
	"github.com/fivelayer/triage/tui"
	"github.com/fivelayer/triage/tui/sshserve"
)

func newServeCmd(g *globals) *cobra.Command {
	var listen string
	var sf sshFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Probe continuously; serve the screen over SSH and /metrics, /api/v1/snapshot, /healthz over HTTP",
		Long: `Run one scheduler and one incident (the screen's grading, for: durations
included) and serve them over HTTP:

  /metrics           Prometheus text or OpenMetrics (triage_check_status,
                     triage_check_value, triage_grade, triage_root_cause, …)
  /api/v1/snapshot   the JSON of 'triage check --format json'
  /healthz           200 while rounds complete, 503 once the data is stale

A scrape never waits for a probe round: it gets the latest snapshot and
triage_snapshot_age_seconds. With alerting.alertmanagers in the config, each
root cause and the grade go to Alertmanager's API v2 as alerts.

With --ssh ADDR --authorized-keys FILE the screen is served over SSH too:
every session sees the same incident (grade, SLA clock, timeline, guide
answers) with its own size, colours and navigation. Keys are viewers unless
their authorized_keys line has ` + "`" + `environment="TRIAGE_ROLE=operator"` + "`" + `; only
operators act, through the guard, and the audit names their key. With --ssh,
HTTP is served only when --listen is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sf.check(cmd.Flags()); err != nil {
				return err
			}
			if sf.addr != "" && !cmd.Flags().Changed("listen") {
				listen = "" // SSH alone unless HTTP is asked for too
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, g, listen, &sf)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:9465", "HTTP `ADDR` (host:port; :9465 for every interface); with --ssh only when given")
	sf.add(f)
	return cmd
}

// runServe wires scheduler → hub (grading through serve.Live's tracker) →
// HTTP, Alertmanager and the SSH sessions.
func runServe(ctx context.Context, g *globals, listen string, sf *sshFlags) error {
	cfg, targets, err := loadEstate(ctx, g)
	if err != nil {
		return err
	}
	var ln net.Listener
	if listen != "" {
		if ln, err = net.Listen("tcp", listen); err != nil {
			return &exitError{3, fmt.Errorf("--listen: %w", err)}
		}
	}
	s := probes.NewScheduler(targets, cfg.SchedulerOptions())
	defer s.Close()
	probes.SetMemoryLimit(s.NumChecks())
	inc := openIncidentStore(cfg) // one incident, resumed after a restart
	defer inc.Close()
	storeWarning(inc)
	live := serve.NewLive(cfg.Estate, inc.Tracker, nil)
	hub := serve.NewHub(s, live)

	var wg sync.WaitGroup
	defer wg.Wait() // after ctx is done (the deferred stop below runs first)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var extra []prometheus.Collector
	if am := cfg.Alerting.Alertmanagers; len(am) > 0 {
		extra = append(extra, startAlerting(ctx, &wg, cfg, live))
	}
	wg.Add(1)
	go func() { defer wg.Done(); hub.Run(ctx) }()
	wg.Add(1)
	go func() { defer wg.Done(); watchStore(ctx, inc, cfg.IntervalD()) }()

	errc := make(chan error, 2)
	stopSSH := func() {}
	if sf.addr != "" {
		mode := tui.Live
		if g.readOnly {
			mode = tui.ReadOnly
		}
		positions := &remedy.PositionTracker{}
		go observePositions(ctx, s.Subscribe(), positions)
		guard := remedy.NewGuard(cfg, remedy.Options{
			ReadOnly: g.readOnly, AuditPath: g.auditLog,
			Reprobe:           tui.SchedulerReprobe(s, 20*time.Second),
			LastKnownPosition: positions.Last,
		})
		stop, sshErr, err := startSSH(sf, sshserve.Options{Config: cfg, Hub: hub, Tracker: inc.Tracker, Store: inc.screen(), Guard: guard, Mode: mode})
		if err != nil {
			if ln != nil {
				_ = ln.Close()
			}
			return err
		}
		stopSSH = stop
		go func() {
			if err := <-sshErr; err != nil {
				errc <- fmt.Errorf("ssh: %w", err)
			}
		}()
	}
	s.Start(ctx)

	var srv *http.Server
	if ln != nil {
		// Stale: three intervals plus a timeout without a completed round.
		stale := 3*cfg.IntervalD() + cfg.TimeoutD()
		srv = &http.Server{Handler: serve.Handler(live, serve.Options{StaleAfter: stale, Collectors: extra}), ReadHeaderTimeout: 10 * time.Second}
		fmt.Fprintf(os.Stderr, "triage: serving %s on http://%s (/metrics /api/v1/snapshot /healthz)\n", cfg.Estate, ln.Addr())
		go func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("http: %w", err)
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		runErr = &exitError{2, err}
	}
	stopSSH() // the sessions say goodbye while the probes still run
	if srv != nil {
		shut, cancelShut := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelShut()
		_ = srv.Shutdown(shut)
	}
	return runErr
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
