package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui"
)

// runTUI opens the live screen on the loaded estate.
func runTUI(ctx context.Context, g *globals) error {
	if err := requireTerminal(); err != nil {
		return err
	}
	cfg, targets, err := loadEstate(ctx, g)
	if err != nil {
		return err
	}
	s := probes.NewScheduler(targets, cfg.SchedulerOptions())
	defer s.Close()
	probes.SetMemoryLimit(s.NumChecks())
	inc := openIncidentStore(cfg) // resumes the estate's open incident
	defer inc.Close()
	mode := tui.Live
	if g.readOnly {
		mode = tui.ReadOnly
	}
	// The guard verifies through the screen's own scheduler (a round asked
	// for now, waited for at most 20s), and learns the primaries' GTID
	// positions from every snapshot for a failover's "may be lost" list.
	positions := &remedy.PositionTracker{}
	go observePositions(ctx, s.Subscribe(), positions)
	guard := remedy.NewGuard(cfg, remedy.Options{
		ReadOnly: g.readOnly, AuditPath: g.auditLog, // "" → remedy.DefaultAuditPath()
		Reprobe:           tui.SchedulerReprobe(s, 20*time.Second),
		LastKnownPosition: positions.Last,
	})
	recd, err := startRecording(ctx, g, cfg, s, mode) // --record FILE
	if err != nil {
		return err
	}
	// The probes stop after the recorder (defers run last first), so results
	// cancelled by the screen's exit never reach a recording.
	sctx, stopProbes := context.WithCancel(ctx)
	defer stopProbes()
	defer recd.stop(s)
	s.Start(sctx)
	return tui.Run(ctx, tui.Options{Config: cfg, Scheduler: s, SchedulerStarted: true, Mode: mode, LogPath: stateFile("triage.log"), Guard: guard,
		OnEvent: recd.onEvent(), Tracker: inc.Tracker, Store: inc.screen()})
}

// observePositions feeds every snapshot to the position tracker until ctx ends.
func observePositions(ctx context.Context, snaps <-chan probes.Snapshot, t *remedy.PositionTracker) {
	for {
		select {
		case <-ctx.Done():
			return
		case snap := <-snaps:
			t.Observe(snap.Results())
		}
	}
}

// stateFile is a path in the state directory (safety.StateDir), created
// on demand; logs and the audit file live there by default.
func stateFile(name string) string {
	dir, err := safety.StateDir()
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return filepath.Join(os.TempDir(), "triage-"+name)
	}
	return filepath.Join(dir, name)
}
