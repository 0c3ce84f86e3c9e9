package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/lab/drill"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui"
)

// drillFlags are `triage lab --drill NAME|random|series [--seed N] [--time-limit D]`.
type drillFlags struct {
	name    string
	seed    uint64
	seedSet bool
	limit   time.Duration
}

// runDrill starts the lab and plays the drills: each fault injected
// without naming it, the screen handed to the trainee with an observer,
// the score and debrief written to the state directory (docs/drills.md).
func runDrill(ctx context.Context, g *globals, f drillFlags) error {
	if g.record != "" {
		return &exitError{3, errors.New("--record is not available with --drill: the drill writes its own timeline and debrief")}
	}
	if f.limit < 0 {
		return &exitError{3, fmt.Errorf("--time-limit %s: want a positive duration or 0 for none", f.limit)}
	}
	if err := requireTerminal(); err != nil {
		return err
	}
	est, stopLab, err := launchLab(ctx)
	if err != nil {
		return err
	}
	defer stopLab()
	if !f.seedSet {
		f.seed = uint64(time.Now().UnixNano())
	}
	order, err := drill.Pick(f.name, f.seed, est.Faults())
	if err != nil {
		return &exitError{3, err}
	}
	dir, err := safety.StateDir()
	if err != nil {
		return &exitError{3, err}
	}
	cfg := est.Config()
	if g.interval != "" {
		d, err := time.ParseDuration(g.interval)
		if err != nil || d <= 0 {
			return &exitError{3, fmt.Errorf("--interval %q: want a positive duration such as 2s", g.interval)}
		}
		cfg.Interval = probes.Duration(d)
	}
	targets, errs := kinds.Targets(cfg)
	if len(errs) > 0 {
		return &exitError{3, fmt.Errorf("lab: %w", errors.Join(errs...))}
	}
	s := probes.NewScheduler(targets, cfg.SchedulerOptions())
	defer s.Close()
	sctx, stopProbes := context.WithCancel(ctx)
	defer stopProbes()
	s.Start(sctx)
	audit := g.auditLog
	if audit == "" {
		audit = stateFile("drill-audit.jsonl") // the lab's actions stay out of the estate's own audit log
	}
	positions := &remedy.PositionTracker{}
	go observePositions(sctx, s.Subscribe(), positions)
	// The lab's restart and traffic commands reach it through its control
	// socket (triage lab restart NAME), as in triage lab.
	guard := remedy.NewGuard(cfg, remedy.Options{ReadOnly: g.readOnly, AuditPath: audit,
		Reprobe: tui.SchedulerReprobe(s, 20*time.Second), LastKnownPosition: positions.Last})
	if f.name == drill.PickRandom || f.name == drill.PickSeries {
		fmt.Printf("seed %d (replay this order with --seed %d)\n", f.seed, f.seed)
	}
	in := bufio.NewReader(os.Stdin)
	p := drill.Player{
		Lab: est, Sched: s, Topology: cfg.Topology(), Trigger: s.Trigger, Limit: f.limit,
		Dir: dir, Secrets: cfg.Secrets(), Out: os.Stdout,
		Screen: func(dctx context.Context, observe func(drill.Event)) error {
			// No fault panel (Lab: nil): the fault stays hidden, and the
			// screen's own incident starts with the drill. The drill's end
			// quits the screen through Stop, not by cancelling it, so the
			// next key typed (enter for the next drill) is not lost.
			return tui.Run(ctx, tui.Options{Config: cfg, Scheduler: s, SchedulerStarted: true, Mode: tui.Lab,
				Guard: guard, LogPath: stateFile("triage.log"), Stop: dctx.Done(),
				Observer: func(e tui.ScreenEvent) { observe(drillEvent(e)) }})
		},
		Pause: func(ctx context.Context) error {
			fmt.Print("\npress enter for the next drill (ctrl-c stops the series) ")
			_, err := in.ReadString('\n')
			return errors.Join(err, ctx.Err())
		},
	}
	_, err = p.Play(ctx, f.seed, order)
	if err != nil {
		return &exitError{3, err}
	}
	return nil
}

// drillEvent is a screen event as the drill records it.
func drillEvent(e tui.ScreenEvent) drill.Event {
	return drill.Event{Time: e.Time, Kind: drill.EventKind(e.Kind), Component: e.Component, Action: drill.Action(e.Action),
		Result: e.Result, Retry: e.Retry, Text: e.Text}
}
