package incident

import (
	"fmt"
	"time"

	"github.com/fivelayer/triage/probes"
)

// Journal receives what a tracker records, as it happens: the incident
// store (probes/incident/store, docs/incidents.md) keeps the open incident
// with it, so a restarted triage resumes it. Journal is called with the
// tracker's lock held: it must not call back into the tracker, and it
// should not block (queue the entry and write elsewhere).
type Journal interface {
	Journal(Entry)
}

// EntryKind tells what a journal entry records.
type EntryKind int

// Entry kinds.
const (
	// EntryEvent is a timeline event (Event).
	EntryEvent EntryKind = iota + 1
	// EntryGrade is a grade change: State is the state after it, with its
	// diagnosis, and Timeline the events so far.
	EntryGrade
	// EntryOverride is an operator's answer to a guide step (Step, Yes), or
	// its removal (Cleared).
	EntryOverride
	// EntryRound is every Update's outcome (State): what lets the store
	// close an incident once the estate has been green long enough.
	EntryRound
)

// Entry is one thing a tracker journals; which fields are set depends on Kind.
type Entry struct {
	Time     time.Time
	Kind     EntryKind
	Event    Event
	State    State
	Timeline []Event
	Step     string
	Yes      bool
	Cleared  bool
}

// SetJournal makes the tracker journal every event, grade change, override
// and update from now on (nil: stop).
func (t *Tracker) SetJournal(j Journal) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.journal = j
}

func (t *Tracker) journalf(e Entry) {
	if t.journal != nil {
		t.journal.Journal(e)
	}
}

// Resumed is an open incident as the store kept it, for Resume.
type Resumed struct {
	Grade Grade
	// Started is the incident clock's start (zero when the incident is
	// green, waiting to close): the countdown continues from it.
	Started   time.Time
	Timeline  []Event
	Overrides map[string]bool
	// Awaiting are the checks that were not ok when the incident was last
	// journaled. Until each has a result again, or AwaitUntil passes, the
	// grade is held: the first results after a restart are not a recovery.
	Awaiting   []string
	AwaitUntil time.Time
}

// Resume makes the tracker continue an incident of an earlier process; call
// it before the first Update. The journal is not told: the entries came
// from it.
func (t *Tracker) Resume(r Resumed) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.grade, t.started, t.seen = r.Grade, r.Started, true
	if r.Grade == Green {
		t.started = time.Time{}
	}
	t.timeline = append([]Event(nil), r.Timeline...)
	if len(t.timeline) > maxEvents {
		t.timeline = t.timeline[len(t.timeline)-maxEvents:]
	}
	clear(t.overrides)
	for k, v := range r.Overrides {
		t.overrides[k] = v
	}
	t.awaiting = nil
	if r.Grade != Green && len(r.Awaiting) > 0 {
		t.awaiting = make(map[string]bool, len(r.Awaiting))
		for _, id := range r.Awaiting {
			t.awaiting[id] = true
		}
		t.awaitUntil = r.AwaitUntil
	}
}

// holdResumed keeps a resumed incident's grade while the checks it saw
// failing have not been probed again (see Resumed.Awaiting).
func (t *Tracker) holdResumed(st *State, results []probes.Result, now time.Time) {
	if len(t.awaiting) == 0 {
		return
	}
	for _, r := range results {
		delete(t.awaiting, r.ID)
	}
	if len(t.awaiting) == 0 || !now.Before(t.awaitUntil) {
		t.awaiting = nil
		return
	}
	if st.Grade < t.grade {
		st.Grade = t.grade
		st.Reason = fmt.Sprintf("resumed %s incident: %d failing check(s) not probed again yet", t.grade, len(t.awaiting))
	}
}

// Past is a closed incident of the same estate as the knowledge base shows
// it ("seen before"): when, how bad, its root cause and what fixed it.
type Past struct {
	ID                 int64
	Started, Recovered time.Time
	Worst              Grade
	// CheckID is the root cause's check when the worst grade began.
	CheckID, Summary string
	// Fix is the last action taken before recovery, "" when none was.
	Fix     string
	Actions int
}
