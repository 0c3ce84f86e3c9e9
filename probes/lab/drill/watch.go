package drill

import (
	"context"
	"fmt"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// Green reports whether results show the estate back to green: every
// check ok but the observer's (the machine triage runs on, which nothing
// in the estate depends on: its load is not the drill's). Warm-up results
// (a rate's first sample) do not count. The first check that is not ok is
// named when it is not green.
func Green(results []probes.Result, topo *incident.Topology) (bool, string) {
	if len(results) == 0 {
		return false, "nothing probed yet"
	}
	for _, r := range results {
		if r.Warmup || incident.IsObserver(r, topo) || r.Status == probes.OK {
			continue
		}
		return false, fmt.Sprintf("%s %s", r.ID, r.Status)
	}
	return true, ""
}

// Snapshotter is what the watcher reads: the scheduler's current state.
type Snapshotter interface {
	Snapshot() probes.Snapshot
}

// WatchOptions tune Watch; zero values take the defaults noted.
type WatchOptions struct {
	Topology *incident.Topology
	// Active reports whether the drill's fault is still injected.
	Active func() bool
	// Limit is the time limit from the session's start; 0: none.
	Limit time.Duration
	// Poll is how often the snapshot is read; default 500ms.
	Poll time.Duration
	Now  func() time.Time // default time.Now
}

// Watch follows the estate until the drill ends and records the end in s:
// Cleared once the right action was done (or the fault is gone) and a
// round started after that shows the estate green; TimeUp at the limit.
// It returns the ending, or "" when ctx ended first (the caller records
// Quit).
func Watch(ctx context.Context, s *Session, src Snapshotter, o WatchOptions) EventKind {
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	tk := time.NewTicker(o.Poll)
	defer tk.Stop()
	var fixedAt time.Time // when the right action was done or the fault went
	why := "the right action was not done"
	for {
		now := o.Now()
		if o.Limit > 0 && now.Sub(s.Start) >= o.Limit {
			s.Observe(Event{Time: now, Kind: TimeUp, Text: "limit " + o.Limit.String() + "; " + why})
			return TimeUp
		}
		if fixedAt.IsZero() && (s.RightDone() || (o.Active != nil && !o.Active())) {
			fixedAt = now
		}
		if !fixedAt.IsZero() {
			snap := src.Snapshot()
			ok, bad := Green(snap.Results(), o.Topology)
			if ok && !snap.Running && snap.RoundStarted.After(fixedAt) {
				s.Observe(Event{Time: now, Kind: Cleared})
				return Cleared
			}
			if !ok {
				why = "not green: " + bad
			}
		}
		select {
		case <-ctx.Done():
			return ""
		case <-tk.C:
		}
	}
}

// WaitGreen waits, at most limit, for a round started after the call that
// shows the estate green (before a fault is injected, so a drill starts
// from a healthy estate). It returns why not when the limit passes.
func WaitGreen(ctx context.Context, src Snapshotter, topo *incident.Topology, limit, poll time.Duration) error {
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	since := time.Now()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tk := time.NewTicker(poll)
	defer tk.Stop()
	why := "no round finished"
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("estate not green after %s: %s", limit, why)
		case <-tk.C:
		}
		snap := src.Snapshot()
		if snap.Running || !snap.RoundStarted.After(since) {
			continue
		}
		var ok bool
		if ok, why = Green(snap.Results(), topo); ok {
			return nil
		}
	}
}
