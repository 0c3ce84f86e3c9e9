package incident

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// recorder is a journal that keeps what it was given.
type recorder struct {
	mu      sync.Mutex
	entries []Entry
}

func (r *recorder) Journal(e Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, e)
}

func (r *recorder) kinds() []EntryKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []EntryKind
	for _, e := range r.entries {
		out = append(out, e.Kind)
	}
	return out
}

func cacheDown(s probes.Status) []probes.Result {
	return []probes.Result{{ID: "cache/tcp/connect", Component: "cache", Check: "connect", Layer: probes.Network,
		Status: s, Impact: probes.UserFacing, Summary: "refused"}}
}

func TestJournalSeesEverythingInOrder(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tr := NewTracker(CoreTopology([]string{"api"}))
	j := &recorder{}
	tr.SetJournal(j)
	tr.Update(cacheDown(probes.OK), t0)
	tr.Update(cacheDown(probes.Crit), t0.Add(time.Second))
	tr.Override(StepNetwork, false)
	tr.ClearOverride(StepNetwork)
	tr.Record(Event{Time: t0.Add(2 * time.Second), Kind: ActionTaken, Text: "restart", AuditID: "id1"})
	assert.Equal(t, []EntryKind{EntryRound,
		EntryEvent, EntryEvent, EntryGrade, EntryRound, // the check's change, the grade's, the grade with its state
		EntryOverride, EntryOverride, EntryEvent}, j.kinds())
	g := j.entries[3]
	assert.Equal(t, Orange, g.State.Grade)
	assert.True(t, g.State.Started.Equal(t0.Add(time.Second)))
	require.NotNil(t, g.State.Diagnosis.Top())
	assert.Equal(t, "cache/tcp/connect", g.State.Diagnosis.Top().CheckID)
	assert.Len(t, g.Timeline, 2, "the timeline so far, for the report of the moment")
	assert.Equal(t, Entry{Kind: EntryOverride, Step: StepNetwork, Yes: false}, j.entries[5])
	assert.True(t, j.entries[6].Cleared)
	assert.Equal(t, "id1", j.entries[7].Event.AuditID)
}

func TestResumeHoldsTheGradeUntilTheFailingChecksAnswer(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	now := t0.Add(time.Hour)
	tests := []struct {
		name      string
		results   []probes.Result
		at        time.Time
		want      Grade
		started   time.Time
		wantEvent bool // a grade change lands on the timeline
	}{
		{"no results yet: held", nil, now, Orange, t0, false},
		{"other checks only: held", []probes.Result{{ID: "api/tcp/connect", Component: "api", Layer: probes.Network, Status: probes.OK}}, now, Orange, t0, false},
		{"the failing check still fails: same incident, same clock", cacheDown(probes.Crit), now, Orange, t0, false},
		{"the failing check recovered: green", cacheDown(probes.OK), now, Green, time.Time{}, true},
		{"nothing answered in time: the wait ends", nil, now.Add(time.Minute), Green, time.Time{}, true},
		{"worse at once: no hold needed", []probes.Result{{ID: "api/tcp/connect", Component: "api", Layer: probes.Network,
			Status: probes.Crit, Impact: probes.UserFacing}}, now, Red, t0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(CoreTopology([]string{"api"}))
			j := &recorder{}
			tr.SetJournal(j)
			tr.Resume(Resumed{Grade: Orange, Started: t0, Awaiting: []string{"cache/tcp/connect"}, AwaitUntil: now.Add(time.Minute),
				Timeline:  []Event{{Time: t0, Kind: GradeChanged, Text: "grade green → orange"}},
				Overrides: map[string]bool{StepNetwork: false}})
			assert.Empty(t, j.kinds(), "resuming journals nothing: it came from the journal")
			st := tr.Update(tt.results, tt.at)
			assert.Equal(t, tt.want, st.Grade)
			assert.True(t, st.Started.Equal(tt.started), "started %s", st.Started)
			events := tr.Timeline()
			assert.Equal(t, tt.wantEvent, len(events) > 1, "%v", events)
			if tt.want == Green {
				assert.Nil(t, st.Overrides, "the answers end with the incident")
			} else {
				assert.Equal(t, map[string]bool{StepNetwork: false}, st.Overrides)
			}
		})
	}
}
