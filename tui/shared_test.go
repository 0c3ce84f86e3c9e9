package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/drill"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

// sharedModels are two screens on one tracker that the test feeds, as
// `triage serve --ssh` feeds it once per round for every session.
func sharedModels(t *testing.T) (a, b Model, tr *incident.Tracker, ck *fixture.Clock) {
	t.Helper()
	cfg := fixture.Config()
	ck = &fixture.Clock{T: fixture.T0}
	tr = incident.NewTracker(cfg.Topology())
	mk := func(role string) Model {
		m := New(Options{Config: cfg, Mode: Live, Now: ck.Now, Tracker: tr, TrackerFed: true, Role: role})
		return update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	}
	a, b = mk("operator"), mk("viewer")
	for round, early := range []bool{true, false} {
		if !early {
			ck.T = fixture.T0.Add(incidentAge)
		}
		snap := fixture.Snapshot(ck.T, round+1, early)
		tr.Update(snap.Results(), ck.T) // the server's one feed
		a = update(t, a, snapshotMsg(snap))
		b = update(t, b, snapshotMsg(snap))
	}
	return a, b, tr, ck
}

func TestSharedScreensReadOneIncident(t *testing.T) {
	a, b, tr, ck := sharedModels(t)
	require.Equal(t, incident.Red, tr.Last().Grade)
	before := len(tr.Timeline())
	assert.Equal(t, incident.Red, a.ctx.State.Grade)
	assert.Equal(t, a.ctx.State.Deadline, b.ctx.State.Deadline, "one SLA clock")
	assert.Equal(t, before, len(tr.Timeline()), "screens never feed a tracker they share")

	// a answers the guide; b shows it at its next tick, without a keypress.
	a, _ = press(t, a, "g", "n")
	require.Equal(t, map[string]bool{incident.StepDatabase: false}, tr.Overrides())
	assert.Nil(t, b.ctx.State.Overrides)
	ck.T = ck.T.Add(time.Second)
	b = update(t, b, tickMsg(ck.T))
	assert.Equal(t, map[string]bool{incident.StepDatabase: false}, b.ctx.State.Overrides)
	assert.Equal(t, a.ctx.Events, b.ctx.Events, "the note is on both timelines")

	// A viewer may not answer for everyone.
	b, _ = press(t, b, "g", "y")
	assert.Contains(t, b.status, "viewer: only an operator key answers the guide")
	assert.Equal(t, map[string]bool{incident.StepDatabase: false}, tr.Overrides(), "unchanged")
	b, _ = press(t, b, "esc")

	// Navigation is each screen's own.
	b, _ = press(t, b, "enter")
	assert.Equal(t, viewDrill, b.top())
	assert.Equal(t, viewGuide, a.top())

	// An event from outside (a connect) reaches both at their tick.
	tr.Record(incident.Event{Time: ck.T, Kind: incident.Note, Subject: "ssh", Text: "ssh: viewer bob connected"})
	a = update(t, a, tickMsg(ck.T))
	b = update(t, b, tickMsg(ck.T))
	assert.Equal(t, "ssh: viewer bob connected", a.ctx.Events[len(a.ctx.Events)-1].Text)
	assert.Equal(t, a.ctx.Events, b.ctx.Events)
}

func TestViewerScreenSaysViewer(t *testing.T) {
	_, b, _, _ := sharedModels(t)
	b = update(t, b, tea.WindowSizeMsg{Width: 160, Height: 48})
	assert.Contains(t, b.View(), "LIVE viewer", "the header names the role")
	b, cmd := press(t, b, "e")
	assert.Nil(t, cmd, "a viewer writes no report on the server")
	assert.Contains(t, b.status, "viewer: reports are written on the server")
	ctx := &common.Context{Config: fixture.Config(), Styles: common.DefaultStyles(), Mode: Live, Guarded: true, Role: "viewer"}
	for _, a := range drill.Actions(ctx, "db-primary") {
		if a.Enabled {
			assert.Contains(t, a.Why, "viewer", a.Key)
		}
	}
}
