package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/record"
	"github.com/fivelayer/triage/tui"
)

// recording is the session being written for --record FILE; the zero value
// records nothing.
type recording struct {
	rec    *record.Recorder
	path   string
	cancel context.CancelFunc
	done   chan struct{}
}

// startRecording opens g.record and follows s's snapshots into it. Call it
// before the scheduler starts, so the first frame is the "probing…" one.
func startRecording(ctx context.Context, g *globals, cfg *config.Config, s *probes.Scheduler, mode tui.Mode) (*recording, error) {
	if g.record == "" {
		return &recording{}, nil
	}
	rec, err := record.Create(g.record, record.NewHeader(cfg, mode.String(), version, time.Now()), record.SecretsOf(cfg))
	if err != nil {
		return nil, &exitError{3, err}
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &recording{rec: rec, path: g.record, cancel: cancel, done: make(chan struct{})}
	sub := s.Subscribe()
	go func() {
		defer close(r.done)
		if err := rec.Follow(ctx, sub); err != nil {
			log.Printf("record: %v", err)
		}
	}()
	return r, nil
}

// onEvent is the screen's hook for events from outside the probes.
func (r *recording) onEvent() func(incident.Event) {
	if r.rec == nil {
		return nil
	}
	return func(e incident.Event) {
		if err := r.rec.Event(e); err != nil {
			log.Printf("record: %v", err)
		}
	}
}

// stop writes the last state of s and closes the file.
func (r *recording) stop(s *probes.Scheduler) {
	if r.rec == nil {
		return
	}
	r.cancel()
	<-r.done
	if err := r.rec.Frame(s.Snapshot()); err != nil {
		log.Printf("record: %v", err)
	}
	if err := r.rec.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "triage:", err)
		return
	}
	fmt.Fprintf(os.Stderr, "triage: session recorded to %s (triage replay %s)\n", r.path, r.path)
}
