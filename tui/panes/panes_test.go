package panes

import (
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/internal/fixture"
	_ "github.com/fivelayer/triage/tui/internal/golden" // defines -update for go test ./tui/...
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

func TestLayout(t *testing.T) {
	tests := []struct {
		w, h       int
		cols       int
		widths     []int
		rowHeights []int
	}{
		{78, 19, 2, []int{39, 38}, []int{7, 6, 6}},
		{158, 43, 2, []int{79, 78}, []int{15, 14, 14}},
		{300, 60, 3, []int{100, 99, 99}, []int{30, 30}},
	}
	for _, tt := range tests {
		g := Layout(tt.w, tt.h)
		assert.Equal(t, tt.cols, g.Cols)
		assert.Equal(t, tt.widths, g.Widths)
		assert.Equal(t, tt.rowHeights, g.Rows)
	}
}

func TestClampAndMove(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	p := Pane{Layer: probes.Data}
	p.Clamp(ctx.Estate, "", 3)
	assert.Equal(t, "db-primary/mysql/lock_waits", p.SelectedID, "the pane overflows: the worst check first and selected")
	p.Move(ctx.Estate, "", 10, 3)
	assert.Equal(t, "cache/redis/memory", p.SelectedID)
	assert.Equal(t, 5, p.Offset, "scrolled so the last check shows")
	p.Move(ctx.Estate, "", -3, 3)
	assert.Equal(t, "db-primary/mysql/replication", p.SelectedID)
	assert.Equal(t, 2, p.Offset)

	p.Clamp(ctx.Estate, "cache", 3) // the selection is filtered out: first visible
	assert.Equal(t, "cache/redis/clients", p.SelectedID)
	p.Clamp(ctx.Estate, "nothing matches", 3)
	assert.Empty(t, p.SelectedID)
	assert.Nil(t, p.Selected(ctx.Estate, "nothing matches"))
}

// A pane too short for its checks shows the worst first and counts the
// rest; one tall enough keeps the estate's order.
func TestOverflowWorstFirst(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	tests := []struct {
		name  string
		h     int
		first string
		more  string
	}{
		{"fits: estate order", 8, "connections", ""},
		{"overflows: worst first, the ok ones counted", 5, "lock_waits", "+2 ok"},
		{"overflows more: what is hidden is named", 3, "lock_waits", "+4 more: 3 ok · 1 timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Pane{Layer: probes.Data}
			p.Clamp(ctx.Estate, "", tt.h)
			body := p.Body(ctx, "", 79, tt.h, true)
			require.Len(t, body, tt.h)
			assert.Contains(t, body[1], tt.first)
			if tt.more != "" {
				assert.Contains(t, body[tt.h-1], tt.more)
			}
		})
	}
}

func TestBodyAndTitle(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	p := Pane{Layer: probes.Data}
	p.Clamp(ctx.Estate, "", 6)
	for _, w := range []int{30, 39, 79, 100} {
		body := p.Body(ctx, "", w, 6, true)
		assert.Len(t, body, 6)
		for _, l := range body {
			assert.Equal(t, w, lipgloss.Width(l), "%q", l)
		}
		title := p.Title(ctx, "", w, true)
		assert.Equal(t, w, lipgloss.Width(title), "%q", title)
		assert.Contains(t, title, "DATA")
	}
	title := p.Title(ctx, "", 79, false)
	assert.Contains(t, title, "data ✖ crit")
	assert.Contains(t, title, "3s", "the age of the data")
	assert.Contains(t, title, "1 timed out")
	body := strings.Join(p.Body(ctx, "", 79, 6, true), "\n")
	assert.Contains(t, body, "›✖ crit", "overflowing: the worst first, selected")
	assert.Contains(t, body, "⌛timeout")
	assert.Contains(t, body, "db-primary core")
}
