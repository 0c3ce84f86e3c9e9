package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

func TestReportDir(t *testing.T) {
	tmp := t.TempDir()
	tests := []struct {
		name, xdg, home, want string
	}{
		{"XDG_STATE_HOME", filepath.Join(tmp, "xdg"), tmp, filepath.Join(tmp, "xdg", "triage")},
		{"default", "", tmp, filepath.Join(tmp, ".local", "state", "triage")},
		{"relative XDG_STATE_HOME is ignored", "rel/state", tmp, filepath.Join(tmp, ".local", "state", "triage")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_STATE_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			got, err := reportDir()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
