package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/internal/fixture"
	"github.com/fivelayer/triage/tui/internal/golden"
	"github.com/fivelayer/triage/tui/views"
)

// here is the index of the step the guide is at, -1 for none.
func here(m Model) int {
	for i, s := range views.Steps(m.ctx) {
		if s.Here {
			return i
		}
	}
	return -1
}

func TestGuideOverrides(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, _ = press(t, m, "g")
	require.Equal(t, viewGuide, m.top())
	assert.Equal(t, 5, m.guideSel(), "opens on the step the walk is at")
	assert.Equal(t, 5, here(m), "database: the lock wait is the root cause")
	events := len(m.ctx.Events)
	db := map[string]bool{incident.StepDatabase: false}

	tests := []struct {
		name      string
		keys      []string
		sel       int
		here      int
		overrides map[string]bool
		status    string
		notes     int // timeline notes added since the guide opened
	}{
		{"no lock by operator: the database's other checks", []string{"n"}, 5, 5, db,
			`guide step 6 "database health: lock or deadlock?" overridden by operator: no (checks said: yes) · now at step 6: ` + incident.ActDatabase, 1},
		{"application not ok by operator: the walk stops there", []string{"k", "n"}, 4, 4,
			map[string]bool{incident.StepDatabase: false, incident.StepApplication: false}, "now at step 5: " + incident.ActApp, 2},
		{"backspace takes the application back", []string{"backspace"}, 4, 5, db,
			`guide step 5 "application layer ok?": operator's answer no cleared; the checks answer yes`, 3},
		{"nothing to clear", []string{"u"}, 4, 5, db, "step 5 has no answer of yours to clear", 3},
		{"environment is not a question", []string{"k", "k", "k", "y"}, 1, 5, db,
			"step 2 (collect environment) is not a yes/no question", 3},
		{"core not affected", []string{"k", "k", "n"}, 0, 5, map[string]bool{incident.StepDatabase: false, incident.StepCore: false},
			`guide step 1 "core business affected?" overridden by operator: no (checks said: yes)`, 4},
		{"selection stops at the ends", []string{"k", "j", "j", "j", "j", "j", "j", "j", "j"}, 6, 5,
			map[string]bool{incident.StepDatabase: false, incident.StepCore: false}, "", 4},
	}
	for _, tt := range tests { // steps run in order on the same model
		m, _ = press(t, m, tt.keys...)
		assert.Equal(t, tt.sel, m.guideSel(), tt.name)
		assert.Equal(t, tt.here, here(m), tt.name)
		assert.Equal(t, tt.overrides, m.ctx.State.Overrides, tt.name)
		assert.Equal(t, tt.overrides, m.tracker.Overrides(), tt.name)
		if tt.status != "" {
			assert.Contains(t, m.status, tt.status, tt.name)
		}
		assert.Len(t, m.ctx.Events, events+tt.notes, tt.name)
		last := m.ctx.Events[len(m.ctx.Events)-1]
		if tt.notes > 0 {
			assert.Equal(t, incident.Note, last.Kind, tt.name)
		}
	}
	v := m.View()
	assert.Contains(t, v, "(overridden by operator: no)")
}

func TestGuideOverrideGolden(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, _ = press(t, m, "g", "n")
	golden.Assert(t, "guide_override_80x24", m.View())
}

func TestGuideOverrideSurvivesRounds(t *testing.T) {
	m, ck := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, _ = press(t, m, "g", "n")
	ck.T = ck.T.Add(5e9)
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 3, false)))
	assert.Equal(t, map[string]bool{incident.StepDatabase: false}, m.ctx.State.Overrides, "the next round keeps the operator's answer")
	assert.Equal(t, 5, here(m))
}

func TestGuideOverrideNeedsARound(t *testing.T) {
	m := New(Options{Config: fixture.Config()})
	m, _ = press(t, m, "g", "y")
	assert.Contains(t, m.status, "nothing to answer yet")
	assert.Nil(t, m.tracker.Overrides())
}
