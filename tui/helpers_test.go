package tui

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // goldens and assertions see plain text
	os.Exit(m.Run())
}

// incidentAge is how long the fixture's incident has run at its main
// snapshot: a red grade then has 00:42:13 left.
const incidentAge = 17*time.Minute + 47*time.Second

// fixtureModel is the model after the fixture's early and main snapshots,
// at size w×h.
func fixtureModel(t testing.TB, cfg *config.Config, mode Mode, w, h int) (Model, *fixture.Clock) {
	t.Helper()
	ck := &fixture.Clock{T: fixture.T0}
	m := New(Options{Config: cfg, Mode: mode, Now: ck.Now})
	m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 1, true)))
	ck.T = fixture.T0.Add(incidentAge)
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 2, false)))
	return m, ck
}

// update sends one message and returns the model (its command is dropped).
func update(t testing.TB, m Model, msg tea.Msg) Model {
	t.Helper()
	next, _ := m.Update(msg)
	mm, ok := next.(Model)
	require.True(t, ok)
	return mm
}

// keyMsg turns a key name into the message Bubble Tea would send.
func keyMsg(k string) tea.KeyMsg {
	types := map[string]tea.KeyType{"tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "enter": tea.KeyEnter,
		"esc": tea.KeyEsc, "up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"ctrl+c": tea.KeyCtrlC, "ctrl+u": tea.KeyCtrlU, "ctrl+d": tea.KeyCtrlD, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "backspace": tea.KeyBackspace}
	if kt, ok := types[k]; ok {
		return tea.KeyMsg{Type: kt}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys in order and returns the model and the last command.
func press(t testing.TB, m Model, keys ...string) (Model, tea.Cmd) {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		var next tea.Model
		next, cmd = m.Update(keyMsg(k))
		m = next.(Model)
	}
	return m, cmd
}

// selectedID is the check under the focused pane's cursor.
func selectedID(m Model) string {
	if it := m.selected(); it != nil {
		return it.State.ID
	}
	return ""
}

// paneText is what the five pane bodies show, without header, titles and
// the incident cell.
func paneText(m Model) string {
	l := m.layout()
	var b strings.Builder
	for i := range m.panes {
		w, h := l.grid.Cell(i)
		for _, line := range m.panes[i].Body(m.ctx, m.filter, w, h-1, i == m.focus) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
