package serve

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/export"
	"github.com/fivelayer/triage/probes/incident"
)

// State is one graded snapshot as served: the report, when its data was
// probed, and the raw results (before `for:`) that the metrics expose.
type State struct {
	Report export.Report
	// Raw are the latest results as probed: triage_check_status carries them,
	// so a central Prometheus rule applies its own `for:` once, not twice.
	Raw []probes.Result
	// Pending are the checks whose non-OK status waits for its `for:`.
	Pending map[string]time.Duration
	// DataTime is when the latest complete round ended (zero before the first).
	DataTime time.Time
	// Round is the number of rounds completed.
	Round int
}

// Observer is told about every state the Live publishes, on the Live's own
// goroutine: it must return promptly (the alert hand-off only queues).
type Observer func(State)

// Live keeps the latest State of an estate. Readers never block on probes:
// State is an atomic pointer swapped after each graded snapshot.
type Live struct {
	estate  string
	tracker *incident.Tracker
	now     func() time.Time
	started time.Time
	cur     atomic.Pointer[State]

	mu        sync.Mutex
	observers []Observer
}

// NewLive returns a Live for estate, grading through tracker (its one owner
// from now on). now is the clock; nil means time.Now.
func NewLive(estate string, tracker *incident.Tracker, now func() time.Time) *Live {
	if now == nil {
		now = time.Now
	}
	l := &Live{estate: estate, tracker: tracker, now: now, started: now()}
	l.cur.Store(&State{Report: export.Build(estate, l.started, nil, tracker.Topology())})
	return l
}

// Observe adds f to the functions told about each new state.
func (l *Live) Observe(f Observer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.observers = append(l.observers, f)
}

// Current returns the latest state; it never blocks on a probe round.
func (l *Live) Current() State { return *l.cur.Load() }

// Age is how old the served data is at now: since the end of the latest
// complete round, or since the Live started when no round has ended yet.
func (l *Live) Age(now time.Time) time.Duration {
	st := l.cur.Load()
	if st.DataTime.IsZero() {
		return now.Sub(l.started)
	}
	return now.Sub(st.DataTime)
}

// Run feeds snapshots to the tracker until ctx ends or snaps closes. Only
// snapshots of completed rounds are graded: a half-finished round would
// mix old and new results into a grade nobody saw.
func (l *Live) Run(ctx context.Context, snaps <-chan probes.Snapshot) {
	lastRound := -1
	for {
		select {
		case <-ctx.Done():
			return
		case snap, ok := <-snaps:
			if !ok {
				return
			}
			if snap.Round == 0 || snap.Round == lastRound {
				continue
			}
			lastRound = snap.Round
			l.Apply(snap)
		}
	}
}

// Apply grades one snapshot and publishes the result. Run calls it; tests
// may call it directly, never concurrently with Run.
func (l *Live) Apply(snap probes.Snapshot) State {
	now := l.now()
	raw := snap.Results()
	ts := l.tracker.Update(raw, now)
	st := &State{
		Report:   export.FromAssessment(l.estate, now, ts.Results, ts.Assessment),
		Raw:      raw,
		Pending:  ts.Pending,
		DataTime: snap.RoundFinished,
		Round:    snap.Round,
	}
	if st.DataTime.IsZero() {
		st.DataTime = now
	}
	l.cur.Store(st)
	l.mu.Lock()
	obs := append([]Observer(nil), l.observers...)
	l.mu.Unlock()
	for _, f := range obs {
		f(*st)
	}
	return *st
}
