package incident

import (
	"fmt"
	"time"

	"github.com/fivelayer/triage/probes"
)

// Tracker follows an estate over time: it holds non-OK statuses back until
// their `for:` has elapsed, grades, runs the incident clock and keeps the
// timeline. It is not safe for concurrent use; one owner feeds it.
type Tracker struct {
	core     map[string]bool
	pending  map[string]time.Time // check id → when its non-OK status began
	last     map[string]probes.Status
	grade    Grade
	started  time.Time // incident start; zero while green
	timeline []Event
	seen     bool
}

// NewTracker returns a tracker for an estate with the given core components.
func NewTracker(core []string) *Tracker {
	t := &Tracker{core: map[string]bool{}, pending: map[string]time.Time{}, last: map[string]probes.Status{}}
	for _, c := range core {
		t.core[c] = true
	}
	return t
}

// Core reports whether component is core.
func (t *Tracker) Core(component string) bool { return t.core[component] }

// State is the tracker's view after an update.
type State struct {
	Assessment
	// Results are the inputs with `for:` applied: a status still pending is
	// OK here and listed in Pending.
	Results []probes.Result
	Pending map[string]time.Duration // check id → how long it has held so far
	// Started is when the incident began (zero when green); Deadline when the
	// current grade's restore deadline passes.
	Started  time.Time
	Deadline time.Time
}

// Remaining is the time left to the deadline at now (negative when overdue).
func (s State) Remaining(now time.Time) time.Duration {
	if s.Deadline.IsZero() {
		return 0
	}
	return s.Deadline.Sub(now)
}

// Update feeds the latest results at time now.
func (t *Tracker) Update(results []probes.Result, now time.Time) State {
	st := State{Pending: map[string]time.Duration{}}
	eff := make([]probes.Result, len(results))
	for i, r := range results {
		eff[i] = r
		if r.Status == probes.OK {
			delete(t.pending, r.ID)
		} else if r.For > 0 {
			since, ok := t.pending[r.ID]
			if !ok {
				since = now
				t.pending[r.ID] = now
			}
			if held := now.Sub(since); held < r.For {
				st.Pending[r.ID] = held
				eff[i].Status = probes.OK
				eff[i].Summary = fmt.Sprintf("%s (pending %s of for: %s)", r.Summary, held.Round(time.Second), r.For)
			}
		}
		if prev, ok := t.last[r.ID]; ok && prev != eff[i].Status {
			t.add(Event{Time: now, Kind: CheckChanged, Subject: r.ID,
				Text: fmt.Sprintf("%s %s → %s: %s", r.ID, prev, eff[i].Status, eff[i].Summary)})
		}
		t.last[r.ID] = eff[i].Status
	}
	st.Results = eff
	st.Assessment = Assess(eff, t.core)

	if st.Grade != t.grade || !t.seen {
		if t.seen || st.Grade != Green {
			t.add(Event{Time: now, Kind: GradeChanged, Subject: st.Grade.String(),
				Text: fmt.Sprintf("grade %s → %s: %s", t.grade, st.Grade, st.Reason)})
		}
		switch {
		case st.Grade == Green:
			t.started = time.Time{}
		case t.started.IsZero():
			t.started = now
		}
		t.grade = st.Grade
	}
	t.seen = true
	st.Started = t.started
	if !t.started.IsZero() {
		st.Deadline = t.started.Add(st.Grade.Deadline())
	}
	return st
}

// Record adds an event from outside the probes (an action, an override).
func (t *Tracker) Record(e Event) { t.add(e) }

// Timeline returns the events so far, oldest first.
func (t *Tracker) Timeline() []Event { return append([]Event(nil), t.timeline...) }

const maxEvents = 5000

func (t *Tracker) add(e Event) {
	t.timeline = append(t.timeline, e)
	if len(t.timeline) > maxEvents {
		t.timeline = t.timeline[len(t.timeline)-maxEvents:]
	}
}

// EventKind tells what an event records.
type EventKind string

// Event kinds.
const (
	GradeChanged EventKind = "grade"
	CheckChanged EventKind = "check"
	ActionTaken  EventKind = "action"
	Note         EventKind = "note"
)

// Event is one line of the timeline.
type Event struct {
	Time    time.Time `json:"time"`
	Kind    EventKind `json:"kind"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
}
