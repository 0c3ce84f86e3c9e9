package tui

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/tui/internal/fixture"
)

// stackViews is the overlay stack, bottom first.
func stackViews(m Model) []view {
	out := make([]view, len(m.stack))
	for i, c := range m.stack {
		out[i] = c.kind()
	}
	return out
}

func TestOverlayStack(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want []view
	}{
		{"drill", []string{"enter"}, []view{viewMain, viewDrill}},
		{"faults over the drill-down, help over them", []string{"enter", "f", "?"}, []view{viewMain, viewDrill, viewFaults, viewHelp}},
		{"esc closes the top only", []string{"enter", "f", "?", "esc"}, []view{viewMain, viewDrill, viewFaults}},
		{"the fault panel is modal: t does not open the timeline", []string{"enter", "f", "t"}, []view{viewMain, viewDrill, viewFaults}},
		{"a view already open is returned to", []string{"t", "g", "t"}, []view{viewMain, viewTimeline}},
		{"the filter is modal over the grid", []string{"/", "t"}, []view{viewMain, viewFilter}},
		{"help over the wall, back to it", []string{"w", "?", "esc"}, []view{viewMain, viewWall}},
		{"the main grid is never closed", []string{"esc", "esc"}, []view{viewMain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := labModel(t, Lab, newFakeLab(), nil)
			m, _ = press(t, m, tt.keys...)
			assert.Equal(t, tt.want, stackViews(m))
		})
	}
}

// A model is a value: keys sent to a copy leave the original's stack alone.
func TestOverlayStackIsAValue(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	drilled, _ := press(t, m, "j", "enter")
	moved, _ := press(t, drilled, "j")
	assert.Equal(t, []view{viewMain}, stackViews(m))
	assert.Equal(t, "invoice-api/tcp/connect", drilled.drill().SelectedID, "the copy before j keeps its selection")
	assert.NotEqual(t, drilled.drill().SelectedID, moved.drill().SelectedID)
}

// Closing the trace panel by any way stops the trace: here the drill-down
// and the panel over it are left for the path view and back, then esc twice.
func TestTraceStoppedWhenItsPanelCloses(t *testing.T) {
	f := &fakeTrace{block: true}
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m.tracer = newTracer(f.trace)
	m, cmd := press(t, m, "j", "enter", "T")
	require.NotNil(t, cmd)
	done := make(chan struct{})
	go func() { cmd(); close(done) }()
	m, _ = press(t, m, "p")
	assert.Equal(t, []view{viewMain, viewDrill, viewTrace, viewPath}, stackViews(m))
	m, _ = press(t, m, "esc")
	require.True(t, m.traceOpen(), "back from the path view to the trace, still running")
	m, _ = press(t, m, "esc")
	<-done
	assert.ErrorIs(t, f.ctxErr, context.Canceled)
	assert.Equal(t, []view{viewMain, viewDrill}, stackViews(m))
}
