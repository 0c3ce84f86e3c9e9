package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/lab/training"
	"github.com/fivelayer/triage/probes/serve"
	"github.com/fivelayer/triage/tui"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/sshserve"
)

func newLabCmd(g *globals) *cobra.Command {
	var sf sshFlags
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Start the embedded training estate with injectable faults and open the screen on it",
		Long: `Start the training estate inside this process, on 127.0.0.1 only (nothing
needs to be installed): an invoice application with actuator health and
Micrometer metrics, an nginx-like front with a TLS port and an error log, a
DNS server and synthetic users. Then open the screen on it in LAB mode.

Press f for the fault panel; a number or enter injects or clears a fault:
503 storm, pool exhausted, breaker open, slow app, port closed, silent port,
DNS SERVFAIL, certificate expiring. Each is a real fault of the running
servers, seen by the real probes, and goes on the timeline.

--record FILE records the session for triage replay.

--ssh ADDR --authorized-keys FILE serves the lab over SSH instead of this
terminal, for a class: every session sees the same estate, faults and
incident; operator keys switch the faults, viewers watch and diagnose.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sf.check(cmd.Flags()); err != nil {
				return err
			}
			if sf.addr != "" {
				if g.record != "" {
					return &exitError{3, errors.New("--record records one screen; with --ssh there is none (the shared timeline holds every session's events)")}
				}
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				return runLabSSH(ctx, g, &sf)
			}
			return runLab(cmd.Context(), g)
		},
	}
	sf.add(cmd.Flags())
	return cmd
}

// runLab starts the estate, probes it every 2s and opens the screen.
func runLab(ctx context.Context, g *globals) error {
	if err := requireTerminal(); err != nil {
		return err
	}
	est, cfg, s, err := startLab(ctx, g)
	if err != nil {
		return err
	}
	defer est.Close()
	defer s.Close()
	// The lab keeps its incidents in the same store under its own estate
	// name (triage-lab): a trainee sees them in `triage incidents` and as
	// "seen before", apart from any real estate's.
	inc := openIncidentStore(cfg)
	defer inc.Close()
	recd, err := startRecording(ctx, g, cfg, s, tui.Lab)
	if err != nil {
		return err
	}
	// The probes stop after the recorder (defers run last first), so results
	// cancelled by the screen's exit never reach a recording.
	sctx, stopProbes := context.WithCancel(ctx)
	defer stopProbes()
	defer recd.stop(s)
	s.Start(sctx)
	return tui.Run(ctx, tui.Options{Config: cfg, Scheduler: s, SchedulerStarted: true, Mode: tui.Lab, Lab: labControl{est},
		OnEvent: recd.onEvent(), LogPath: stateFile("triage.log"), Tracker: inc.Tracker, Store: inc.screen()})
}

// startLab starts the training estate and its scheduler (not yet running).
func startLab(ctx context.Context, g *globals) (*training.Estate, *config.Config, *probes.Scheduler, error) {
	est, err := training.Start(ctx, kinds.Registry)
	if err != nil {
		return nil, nil, nil, &exitError{3, err}
	}
	cfg := est.Config()
	if g.interval != "" {
		d, err := time.ParseDuration(g.interval)
		if err != nil || d <= 0 {
			est.Close()
			return nil, nil, nil, &exitError{3, fmt.Errorf("--interval %q: want a positive duration such as 2s", g.interval)}
		}
		cfg.Interval = probes.Duration(d)
	}
	targets, errs := kinds.Targets(cfg)
	if len(errs) > 0 {
		est.Close()
		return nil, nil, nil, &exitError{3, fmt.Errorf("lab: %w", errors.Join(errs...))}
	}
	return est, cfg, probes.NewScheduler(targets, cfg.SchedulerOptions()), nil
}

// runLabSSH serves the lab over SSH until ctx ends (SIGTERM): one estate,
// one fault panel state and one incident for every session.
func runLabSSH(ctx context.Context, g *globals, sf *sshFlags) error {
	est, cfg, s, err := startLab(ctx, g)
	if err != nil {
		return err
	}
	defer est.Close()
	defer s.Close()
	inc := openIncidentStore(cfg) // the lab's incident, as on the local lab screen
	defer inc.Close()
	storeWarning(inc)
	hub := serve.NewHub(s, serve.NewLive(cfg.Estate, inc.Tracker, nil))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); hub.Run(ctx) }()
	defer func() { cancel(); <-done }()
	stop, errc, err := startSSH(sf, sshserve.Options{Config: cfg, Hub: hub, Tracker: inc.Tracker, Store: inc.screen(), Mode: tui.Lab, Lab: labControl{est}})
	if err != nil {
		return err
	}
	s.Start(ctx)
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		if err != nil {
			runErr = &exitError{2, fmt.Errorf("ssh: %w", err)}
		}
	}
	stop()
	return runErr
}

// labControl adapts the estate to the screen's fault panel.
type labControl struct{ e *training.Estate }

// Faults lists the estate's faults for the panel.
func (c labControl) Faults() []common.Fault {
	fs := c.e.Faults()
	out := make([]common.Fault, len(fs))
	for i, f := range fs {
		out[i] = common.Fault{Key: f.Key, Name: f.Name, Description: f.Description, Layer: f.Layer, Active: f.Active}
	}
	return out
}

// Toggle injects or clears a fault.
func (c labControl) Toggle(key string) error { return c.e.Toggle(key) }
