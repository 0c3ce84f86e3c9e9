package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/internal/fixture"
	"github.com/fivelayer/triage/tui/internal/golden"
)

// Golden screens at fixed sizes, colour profile Ascii (TestMain), clock
// fixed: regenerate with go test ./tui/... -update and read the diff.
func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		w, h int
		keys []string
	}{
		{"main_80x24", 80, 24, nil},
		{"main_160x48", 160, 48, nil},
		{"main_200x50", 200, 50, []string{"tab", "tab", "tab", "j"}},
		{"drill_80x24", 80, 24, []string{"tab", "tab", "tab", "enter"}},
		{"drill_160x48", 160, 48, []string{"tab", "tab", "tab", "j", "enter"}},
		{"path_80x24", 80, 24, []string{"j", "p"}},
		{"guide_80x24", 80, 24, []string{"g"}},
		{"timeline_80x24", 80, 24, []string{"t"}},
		{"wall_80x24", 80, 24, []string{"w"}},
		{"wall_160x48", 160, 48, []string{"w"}},
		{"help_80x24", 80, 24, []string{"?"}},
		{"filter_80x24", 80, 24, []string{"/", "crit"}},
		{"too_small_50x12", 50, 12, nil},
		{"too_small_40x12", 40, 12, nil},
		{"main_120x40", 120, 40, nil},
		{"drill_200x50", 200, 50, []string{"tab", "tab", "tab", "j", "enter"}},
		{"drill_120x40", 120, 40, []string{"tab", "tab", "tab", "j", "enter"}},
		{"wall_200x50", 200, 50, []string{"w"}},
		// the lock-wait table scrolled one column right: the key columns stay
		{"drill_columns_80x24", 80, 24, []string{"tab", "tab", "tab", "enter", "pgdown", "right"}},
		{"drill_columns_160x48", 160, 48, []string{"tab", "tab", "tab", "j", "enter", "right", "right"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := fixtureModel(t, fixture.Config(), Live, tt.w, tt.h)
			m, _ = press(t, m, tt.keys...)
			golden.Assert(t, tt.name, m.View())
		})
	}
}

func TestGoldenFirstFrame(t *testing.T) {
	ck := &fixture.Clock{T: fixture.T0}
	sched := probes.NewScheduler(fixture.Targets(0, 0), probes.Options{Now: ck.Now})
	m := New(Options{Config: fixture.Config(), Scheduler: sched, Now: ck.Now})
	golden.Assert(t, "first_frame_80x24", m.View())
}

// Below the smallest size the drill-down gives way to the grade and the
// root cause; it is still open when the terminal grows again.
func TestGoldenDrillTooSmall(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, _ = press(t, m, "tab", "tab", "tab", "enter")
	m = update(t, m, tea.WindowSizeMsg{Width: 40, Height: 12})
	golden.Assert(t, "drill_40x12", m.View())
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	golden.Assert(t, "drill_80x24", m.View())
}
