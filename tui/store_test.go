package tui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/incident/store"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

// changingStore is an incident store whose notice the test sets (a write
// failing while the screen runs).
type changingStore struct{ notice string }

func (s *changingStore) Notice() string                    { return s.notice }
func (s *changingStore) SeenBefore(string) []incident.Past { return nil }

func TestHeaderShowsTheStoreNotice(t *testing.T) {
	// A real second process's view: the store another screen writes.
	path := filepath.Join(t.TempDir(), store.FileName)
	writer, err := store.Open(path, store.Options{Estate: "fixture"})
	require.NoError(t, err)
	defer writer.Close()
	reader, err := store.Open(path, store.Options{Estate: "fixture"})
	require.NoError(t, err)
	defer reader.Close()
	require.True(t, reader.ReadOnly())

	ck := &fixture.Clock{T: fixture.T0}
	m := New(Options{Config: fixture.Config(), Mode: Live, Now: ck.Now, Store: reader})
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 2, false)))
	lines := strings.Split(m.View(), "\n")
	require.Len(t, lines, 24, "the notice takes a header line (under the production frame and the grade), the screen keeps its size")
	assert.Contains(t, lines[3], "⚠ incident store read-only: another triage (pid ")

	cs := &changingStore{}
	m = New(Options{Config: fixture.Config(), Mode: Live, Now: ck.Now, Store: cs})
	m = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 2, false)))
	assert.NotContains(t, m.View(), "⚠")
	cs.notice = "incident store: 1 write(s) failed (last: database or disk is full)"
	ck.T = ck.T.Add(time.Second)
	m = update(t, m, tickMsg(ck.T))
	lines = strings.Split(m.View(), "\n")
	require.Len(t, lines, 24)
	assert.Contains(t, lines[3], "⚠ incident store: 1 write(s) failed")
	assert.Contains(t, m.View(), "NETWORK", "the panes are still drawn")
}
