package views

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/internal/fixture"
	_ "github.com/fivelayer/triage/tui/internal/golden" // defines -update for go test ./tui/...
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

func TestCountdown(t *testing.T) {
	start := fixture.T0
	tests := []struct {
		name string
		st   incident.State
		now  time.Time
		want string
	}{
		{"green", incident.State{}, start, ""},
		{"left", incident.State{Assessment: incident.Assessment{Grade: incident.Red}, Deadline: start.Add(time.Hour)}, start.Add(17*time.Minute + 47*time.Second), "00:42:13 left"},
		{"overdue", incident.State{Assessment: incident.Assessment{Grade: incident.Red}, Deadline: start.Add(time.Hour)}, start.Add(time.Hour + 190*time.Second), "overdue 00:03:10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Countdown(tt.st, tt.now))
		})
	}
}

func TestBig(t *testing.T) {
	for _, s := range []string{"green", "blue", "yellow", "orange", "red", "probing", "00:42:13"} {
		rows := Big(s)
		assert.Len(t, rows, 5)
		w := lipgloss.Width(rows[0])
		for _, r := range rows {
			assert.Equal(t, w, lipgloss.Width(r), s)
		}
		assert.Greater(t, w, len(s)*3, s)
	}
}

func TestViewsRender(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	wall := strings.Join(Wall(ctx, 80, 22), "\n")
	assert.Contains(t, wall, "SYSTEM DOWN")
	assert.Contains(t, wall, "left to the deadline")
	assert.Len(t, Wall(ctx, 80, 22), 22)
	gl, _ := Guide(ctx, 80, 0)
	guide := strings.Join(gl, "\n")
	assert.Contains(t, guide, "◀ you are here")
	assert.Contains(t, guide, "kill the root blocker, connection 4711")
	tl := Timeline(ctx, 80)
	assert.Contains(t, tl[1], "grade green → red")
	inc := Incident(ctx, 40, 6)
	assert.Len(t, inc, 6)
	assert.Contains(t, strings.Join(inc, "\n"), "cause: db-primary/mysql/lock_waits")
}
