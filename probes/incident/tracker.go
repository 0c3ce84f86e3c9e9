package incident

import (
	"fmt"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes"
)

// Tracker follows an estate over time: it holds non-OK statuses back until
// their `for:` has elapsed, grades, runs the incident clock and keeps the
// timeline. It is safe for concurrent use: one owner feeds it (Update), and
// any number of screens may read it and record events (several SSH sessions
// share one incident).
type Tracker struct {
	mu       sync.Mutex
	topo     *Topology
	state    State                // the last Update's result
	pending  map[string]time.Time // check id → when its non-OK status began
	last     map[string]probes.Status
	grade    Grade
	started  time.Time // incident start; zero while green
	timeline []Event
	seen     bool
	// overrides are the operator's answers to the guide's steps (Walk),
	// kept for the incident they were given in.
	overrides map[string]bool
	journal   Journal // nil: nothing outlives the process (journal.go)
	// awaiting are the checks a resumed incident saw failing, not yet
	// probed again; until they are (or awaitUntil passes) the grade does not
	// fall, so a first round still running is not taken for a recovery.
	awaiting   map[string]bool
	awaitUntil time.Time
	// rev counts changes a reader could draw: updates, events, answers.
	rev uint64
}

// NewTracker returns a tracker for an estate's topology (nil: no component
// is core, nothing depends on anything).
func NewTracker(topo *Topology) *Tracker {
	if topo == nil {
		topo = NewTopology(nil)
	}
	return &Tracker{topo: topo, pending: map[string]time.Time{}, last: map[string]probes.Status{},
		overrides: map[string]bool{}}
}

// Core reports whether component is core.
func (t *Tracker) Core(component string) bool { return t.topo.Core(component) }

// Topology is the graph the tracker diagnoses over.
func (t *Tracker) Topology() *Topology { return t.topo }

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
	// Overrides are the operator's answers to the guide's steps by step id
	// (true: yes), Walk's third argument; a copy, nil when there are none.
	Overrides map[string]bool
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
	t.mu.Lock()
	defer t.mu.Unlock()
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
	st.Assessment = Assess(eff, t.topo)
	t.holdResumed(&st, results, now)

	changed := false
	if st.Grade != t.grade || !t.seen {
		if t.seen || st.Grade != Green {
			text := fmt.Sprintf("grade %s → %s: %s", t.grade, st.Grade, st.Reason)
			if st.Grade == Green && len(t.overrides) > 0 {
				text += " (the operator's guide answers end with the incident)"
			}
			t.add(Event{Time: now, Kind: GradeChanged, Subject: st.Grade.String(), Text: text})
			changed = true
		}
		switch {
		case st.Grade == Green:
			t.started = time.Time{}
			clear(t.overrides) // they answered for an incident that is over
		case t.started.IsZero():
			t.started = now
		}
		t.grade = st.Grade
	}
	t.seen = true
	st.Started = t.started
	st.Overrides = t.overridesLocked()
	if !t.started.IsZero() {
		st.Deadline = t.started.Add(st.Grade.Deadline())
	}
	t.state = st
	if changed {
		t.journalf(Entry{Time: now, Kind: EntryGrade, State: st, Timeline: append([]Event(nil), t.timeline...)})
	}
	t.journalf(Entry{Time: now, Kind: EntryRound, State: st})
	t.rev++
	return st
}

// Revision changes whenever the tracker does (an update, an event, an
// answer): a screen that reads the tracker another owner feeds redraws
// when it moved.
func (t *Tracker) Revision() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rev
}

// Last returns the state of the last Update (the zero State before one), with
// the operator's current answers: what a screen that does not feed the
// tracker itself draws.
func (t *Tracker) Last() State {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.state
	st.Overrides = t.overridesLocked()
	return st
}

// Override sets the operator's answer to a step of the walk (a Step* id).
// The caller records it on the timeline (Record), where the session
// recorder sees it. Overrides last until the grade returns to green.
func (t *Tracker) Override(step string, yes bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.overrides[step] = yes
	t.journalf(Entry{Kind: EntryOverride, Step: step, Yes: yes})
	t.rev++
}

// ClearOverride removes the operator's answer: the checks answer again.
func (t *Tracker) ClearOverride(step string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.overrides, step)
	t.journalf(Entry{Kind: EntryOverride, Step: step, Cleared: true})
	t.rev++
}

// Overrides returns a copy of the operator's answers, nil when there are none.
func (t *Tracker) Overrides() map[string]bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.overridesLocked()
}

func (t *Tracker) overridesLocked() map[string]bool {
	if len(t.overrides) == 0 {
		return nil
	}
	out := make(map[string]bool, len(t.overrides))
	for k, v := range t.overrides {
		out[k] = v
	}
	return out
}

// Record adds an event from outside the probes (an action, an override).
func (t *Tracker) Record(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.add(e)
}

// Timeline returns the events so far, oldest first.
func (t *Tracker) Timeline() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Event(nil), t.timeline...)
}

const maxEvents = 5000

func (t *Tracker) add(e Event) {
	t.journalf(Entry{Time: e.Time, Kind: EntryEvent, Event: e})
	t.rev++
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
	// AuditID is the audit record's id of an action (ActionTaken), which
	// ties the incident to `triage audit`; "" for other events.
	AuditID string `json:"audit_id,omitempty"`
}
