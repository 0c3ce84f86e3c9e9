package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

// fakeLab is a LabControl whose toggles flip a flag; "broken" fails.
type fakeLab struct {
	faults  []common.Fault
	toggled []string
}

func newFakeLab() *fakeLab {
	return &fakeLab{faults: []common.Fault{
		{Key: "503-storm", Name: "503 storm", Layer: probes.Application, Description: "the app answers 503. Teaches the red plan."},
		{Key: "pool-exhausted", Name: "pool exhausted", Layer: probes.Application, Description: "HikariCP is full."},
		{Key: "broken", Name: "broken fault", Layer: probes.Network, Description: "cannot be switched."},
	}}
}

func (f *fakeLab) Faults() []common.Fault { return append([]common.Fault(nil), f.faults...) }

func (f *fakeLab) Toggle(key string) error {
	if key == "broken" {
		return errors.New("port 8080 in use")
	}
	f.toggled = append(f.toggled, key)
	for i := range f.faults {
		if f.faults[i].Key == key {
			f.faults[i].Active = !f.faults[i].Active
		}
	}
	return nil
}

// runCmd runs cmd and every command a batch holds, returning the messages.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, runCmd(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

func labModel(t *testing.T, mode Mode, lab LabControl, onEvent func(incident.Event)) Model {
	t.Helper()
	ck := &fixture.Clock{T: fixture.T0}
	m := New(Options{Config: fixture.Config(), Mode: mode, Lab: lab, OnEvent: onEvent, Now: ck.Now})
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	return update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 1, false)))
}

func TestFaultKeyOnlyInLab(t *testing.T) {
	for _, mode := range []Mode{Live, ReadOnly, Replay} {
		m := labModel(t, mode, newFakeLab(), nil)
		m, cmd := press(t, m, "f")
		assert.Nil(t, cmd)
		assert.False(t, m.faultsOpen(), mode.String())
		m, _ = press(t, m, "?")
		assert.NotContains(t, m.View(), "lab faults", mode.String())
	}
	m := labModel(t, Lab, nil, nil)
	m, _ = press(t, m, "f")
	assert.False(t, m.faultsOpen(), "LAB mode without a lab: nothing to open")

	m = labModel(t, Lab, newFakeLab(), nil)
	m, _ = press(t, m, "?")
	assert.Regexp(t, `f +lab faults`, m.View(), "the help lists f in LAB mode")
}

func TestFaultPanel(t *testing.T) {
	lab := newFakeLab()
	var recorded []incident.Event
	m := labModel(t, Lab, lab, func(e incident.Event) { recorded = append(recorded, e) })

	m, cmd := press(t, m, "f")
	assert.Nil(t, cmd)
	require.True(t, m.faultsOpen())
	v := m.View()
	for _, want := range []string{"lab faults", "1 [ off ] 503 storm", "2 [ off ] pool exhausted", "0 of 3 active", "Teaches the red plan", "1-3 toggle"} {
		assert.Contains(t, v, want)
	}

	// enter on the second fault: switched in a command, shown busy meanwhile.
	m, cmd = press(t, m, "down", "enter")
	require.NotNil(t, cmd)
	assert.Contains(t, m.View(), "2 [ ... ] pool exhausted")
	msgs := runCmd(cmd)
	require.Len(t, msgs, 1)
	assert.Equal(t, []string{"pool-exhausted"}, lab.toggled)
	next, cmd := m.Update(msgs[0])
	m = next.(Model)
	assert.Contains(t, m.View(), "2 [ ON  ] pool exhausted")
	assert.Contains(t, m.View(), "fault injected: pool exhausted")
	assert.Empty(t, recorded, "the recorder is written in a command, not in Update")
	runCmd(cmd)
	require.Len(t, recorded, 1)
	assert.Equal(t, "fault injected: pool exhausted", recorded[0].Text)
	assert.Equal(t, incident.Note, recorded[0].Kind)
	assert.Equal(t, "fault injected: pool exhausted", m.ctx.Events[len(m.ctx.Events)-1].Text, "on the timeline")

	// a number toggles directly; toggling again clears.
	for _, want := range []string{"fault injected: 503 storm", "fault cleared: 503 storm"} {
		m, cmd = press(t, m, "1")
		next, cmd = m.Update(runCmd(cmd)[0])
		m = next.(Model)
		runCmd(cmd)
		assert.Equal(t, want, recorded[len(recorded)-1].Text)
	}
	assert.Equal(t, 0, m.faultPanel().cursor)

	// a failing toggle says why and records nothing.
	n := len(recorded)
	m, cmd = press(t, m, "3")
	next, cmd = m.Update(runCmd(cmd)[0])
	m = next.(Model)
	assert.Empty(t, runCmd(cmd))
	assert.Len(t, recorded, n)
	assert.Contains(t, m.View(), "fault broken fault: port 8080 in use")

	// numbers past the list do nothing; esc closes; f opens and closes too.
	m, cmd = press(t, m, "9")
	assert.Nil(t, cmd)
	m, _ = press(t, m, "esc")
	assert.False(t, m.faultsOpen())
	m, _ = press(t, m, "f", "f")
	assert.False(t, m.faultsOpen())
	_, cmd = press(t, m, "f", "q")
	require.NotNil(t, cmd)
	assert.IsType(t, tea.QuitMsg{}, cmd())
}

func TestReplayedEventsGoOnTheTimelineOnly(t *testing.T) {
	var recorded []incident.Event
	ch := make(chan incident.Event, 1)
	ck := &fixture.Clock{T: fixture.T0}
	m := New(Options{Config: fixture.Config(), Mode: Replay, Events: ch, OnEvent: func(e incident.Event) { recorded = append(recorded, e) }, Now: ck.Now})
	ch <- incident.Event{Time: fixture.T0, Kind: incident.Note, Subject: "503-storm", Text: "fault injected: 503 storm"}
	msgs := runCmd(m.waitEvent())
	require.Len(t, msgs, 1)
	next, cmd := m.Update(msgs[0])
	m = next.(Model)
	require.NotNil(t, cmd, "re-armed")
	assert.Empty(t, recorded)
	var texts []string
	for _, e := range m.ctx.Events {
		texts = append(texts, e.Text)
	}
	assert.Contains(t, strings.Join(texts, "\n"), "fault injected: 503 storm")
}

// TestFaultPanelTwoDigits: with more than nine faults (the lab has 15), a
// digit that may begin a longer number waits for the next key — "1" "5"
// is fault 15, "1" enter is fault 1 — and numbers line up.
func TestFaultPanelTwoDigits(t *testing.T) {
	lab := &fakeLab{}
	for i := 1; i <= 15; i++ {
		lab.faults = append(lab.faults, common.Fault{Key: fmt.Sprintf("f%d", i), Name: fmt.Sprintf("fault %d", i), Layer: probes.Data})
	}
	m := labModel(t, Lab, lab, nil)
	m, _ = press(t, m, "f")
	v := m.View()
	assert.Contains(t, v, "   9 [ off ] fault 9", "one-digit numbers right-aligned under two-digit ones")
	assert.Contains(t, v, "  10 [ off ] fault 10")

	toggle := func(keys ...string) {
		t.Helper()
		var cmd tea.Cmd
		m, cmd = press(t, m, keys...)
		require.NotNil(t, cmd, "%v toggles", keys)
		next, _ := m.Update(runCmd(cmd)[0])
		m = next.(Model)
	}
	var cmd tea.Cmd
	m, cmd = press(t, m, "1")
	assert.Nil(t, cmd, "1 may begin 10-15: nothing toggles yet")
	assert.Contains(t, m.View(), "enter toggles it, or a second digit for 10-15")
	toggle("5")
	toggle("1", "enter")
	toggle("9") // 90 > 15: at once
	toggle("1", "0")
	assert.Equal(t, []string{"f15", "f1", "f9", "f10"}, lab.toggled)
	m, cmd = press(t, m, "1", "down")
	assert.Nil(t, cmd, "another key drops the held digit")
	assert.Equal(t, 1, m.faultPanel().cursor)
	m, cmd = press(t, m, "1", "9")
	assert.Nil(t, cmd)
	assert.Contains(t, m.View(), "no fault 19: the lab has 15")
}
