package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

func TestExportReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "triage")
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m.reports = dir
	m, _ = press(t, m, "g", "n") // an override, so the report shows one
	m, cmd := press(t, m, "e")
	require.NotNil(t, cmd, "the report is written in a command")
	assert.Contains(t, m.status, "writing the incident report")
	_, err := os.Stat(dir)
	require.ErrorIs(t, err, os.ErrNotExist, "nothing is written in Update")

	m = update(t, m, cmd())
	path := filepath.Join(dir, "report-20240501-101747.md")
	assert.Equal(t, "report written: "+path, m.status)
	assert.Contains(t, m.View(), "report written: ")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	body := string(b)
	for _, want := range []string{"# Incident report: invoice-prod — RED", "- **Environment:** production",
		"(00:42:13 left)", "| db-primary/mysql/lock_waits | crit |", "(overridden by operator: no; checks said: yes)",
		"## Timeline", "grade green → red"} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "\x1b")

	last := m.ctx.Events[len(m.ctx.Events)-1]
	assert.Equal(t, incident.Note, last.Kind)
	assert.Equal(t, "incident report written: "+path, last.Text, "a timeline note records it")

	_, cmd = press(t, m, "e")
	m = update(t, m, cmd())
	assert.Equal(t, "report written: "+strings.TrimSuffix(path, ".md")+"-2.md", m.status, "never overwrites")
}

func TestExportReportFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m.reports = file
	n := len(m.ctx.Events)
	m, cmd := press(t, m, "e")
	m = update(t, m, cmd())
	assert.True(t, strings.HasPrefix(m.status, "report not written: create report directory: "), m.status)
	assert.Len(t, m.ctx.Events, n, "no note for a report that was not written")
}

// TestReportGoesToStateDir: with no directory given, the report goes to
// the state directory every other file of triage uses (safety.StateDir).
func TestReportGoesToStateDir(t *testing.T) {
	xdg := filepath.Join(t.TempDir(), "state")
	t.Setenv("XDG_STATE_HOME", xdg)
	want, err := safety.StateDir()
	require.NoError(t, err)
	path, err := writeReport("", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), "# report\n")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(want, "report-20260301-100000.md"), path)
	assert.Equal(t, filepath.Join(xdg, "triage"), want)
}
