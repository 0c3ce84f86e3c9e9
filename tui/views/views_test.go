package views

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

func TestWallScalesAndAligns(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	tests := []struct {
		name      string
		w, h      int
		minHeight int // lines of the grade's letters
	}{
		{"80×24: the plain font, the five layers still show", 78, 19, 5},
		{"200×50: larger type", 198, 45, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Wall(ctx, tt.w, tt.h)
			require.Len(t, out, tt.h)
			bigLines, col := 0, -1
			for _, l := range out {
				if strings.ContainsAny(l, "█▀▄") && !strings.Contains(l, "checks") {
					bigLines++
				}
			}
			assert.GreaterOrEqual(t, bigLines, tt.minHeight)
			for _, layer := range []string{"NETWORK", "SERVER", "APPLICATION", "DATA", "SECURITY"} {
				i := -1
				for _, l := range out {
					if j := strings.Index(l, layer); j >= 0 {
						i = j
					}
				}
				require.GreaterOrEqual(t, i, 0, layer)
				if col >= 0 {
					assert.Equal(t, col, i, "layer rows line up")
				}
				col = i
			}
			assert.NotContains(t, strings.Join(out, "\n"), "1 checks")
		})
	}
}

func TestChecksPlural(t *testing.T) {
	for n, want := range map[int]string{0: "no checks", 1: "1 check", 2: "2 checks", 1200: "1200 checks"} {
		assert.Equal(t, want, checks(n))
	}
}
