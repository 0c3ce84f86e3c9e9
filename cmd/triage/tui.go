package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui"
)

// runTUI opens the live screen on the loaded estate.
func runTUI(ctx context.Context, g *globals) error {
	cfg, targets, err := loadEstate(ctx, g)
	if err != nil {
		return err
	}
	s := probes.NewScheduler(targets, probes.Options{Interval: cfg.IntervalD()})
	defer s.Close()
	mode := tui.Live
	if g.readOnly {
		mode = tui.ReadOnly
	}
	return tui.Run(ctx, tui.Options{Config: cfg, Scheduler: s, Mode: mode, LogPath: stateFile("triage.log")})
}

// stateFile is a path under $XDG_STATE_HOME/triage (~/.local/state/triage),
// created on demand; logs and the audit file live there by default.
func stateFile(name string) string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Join(os.TempDir(), "triage-"+name)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "triage")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return filepath.Join(os.TempDir(), "triage-"+name)
	}
	return filepath.Join(dir, name)
}
