package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/incident/store"
)

// storeWithIncidents writes, through a real tracker and store, a closed
// incident of estate invoice (the cache refused connections for 7 minutes,
// fixed by a restart) and an open one after it; it returns the env that
// makes triage read that store.
func storeWithIncidents(t *testing.T) []string {
	t.Helper()
	xdg := t.TempDir()
	path := filepath.Join(xdg, "triage", store.FileName)
	s, err := store.Open(path, store.Options{Estate: "invoice", CloseAfter: time.Minute})
	require.NoError(t, err)
	defer s.Close()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tr, err := s.Tracker(incident.CoreTopology([]string{"api"}), t0, time.Minute)
	require.NoError(t, err)
	round := func(st probes.Status, at time.Duration) {
		tr.Update([]probes.Result{{ID: "cache/tcp/connect", Component: "cache", Probe: "tcp", Check: "connect", Kind: "tcp",
			Layer: probes.Network, Status: st, Impact: probes.UserFacing, Summary: "127.0.0.1:6390 connection refused (3/3)"}}, t0.Add(at))
	}
	round(probes.Crit, 0)
	tr.Record(incident.Event{Time: t0.Add(6 * time.Minute), Kind: incident.ActionTaken, Subject: "cache",
		Text: "restart cache: done (verified) \x1b[2J— by ops", AuditID: "0f3c"})
	round(probes.OK, 7*time.Minute)
	round(probes.OK, 8*time.Minute) // green for close_after: closed
	round(probes.Crit, time.Hour)   // the same cause again: open
	s.Flush()
	return []string{"XDG_STATE_HOME=" + xdg}
}

func TestIncidentsCLI(t *testing.T) {
	env := storeWithIncidents(t)
	bin := buildTriage(t)

	out, stderr, code := runTriage(t, bin, env, "incidents")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `(?m)^ID\s+STATE\s+ESTATE\s+START\s+END\s+WORST\s+ROOT CAUSE\s+RECOVERED IN\s+ACTIONS$`, out)
	assert.Regexp(t, `(?m)^2\s+OPEN \(orange\)\s+invoice\s+.*orange\s+cache/tcp/connect\s+—\s+none$`, out)
	assert.Regexp(t, `(?m)^1\s+closed\s+invoice\s+.*orange\s+cache/tcp/connect\s+0:07:00\s+1, last: restart cache: done \(verified\)`, out)
	assert.Less(t, indexOf(out, "\n2 "), indexOf(out, "\n1 "), "the open incident first")
	assert.NotContains(t, out, "\x1b", "strings from the store are sanitised")

	out, stderr, code = runTriage(t, bin, env, "incidents", "--json")
	require.Equal(t, 0, code, stderr)
	var doc struct {
		Incidents []struct {
			ID         int64      `json:"id"`
			Open       bool       `json:"open"`
			Estate     string     `json:"estate"`
			Start      time.Time  `json:"start"`
			End        *time.Time `json:"end"`
			WorstGrade string     `json:"worst_grade"`
			RootCause  *struct {
				CheckID   string `json:"check_id"`
				Component string `json:"component"`
			} `json:"root_cause"`
			Recover *float64 `json:"time_to_recover_seconds"`
			FixedBy string   `json:"fixed_by"`
			Actions []struct {
				AuditID string `json:"audit_id"`
			} `json:"actions"`
		} `json:"incidents"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	require.Len(t, doc.Incidents, 2)
	open, closed := doc.Incidents[0], doc.Incidents[1]
	assert.True(t, open.Open)
	assert.Nil(t, open.End)
	assert.Nil(t, open.Recover)
	assert.NotNil(t, open.Actions, "actions is [], never null")
	assert.False(t, closed.Open)
	assert.Equal(t, "invoice", closed.Estate)
	assert.Equal(t, "orange", closed.WorstGrade)
	require.NotNil(t, closed.RootCause)
	assert.Equal(t, "cache/tcp/connect", closed.RootCause.CheckID)
	assert.Equal(t, "cache", closed.RootCause.Component)
	require.NotNil(t, closed.Recover)
	assert.InDelta(t, 420, *closed.Recover, 0.001)
	require.NotNil(t, closed.End)
	assert.True(t, closed.End.Equal(closed.Start.Add(7*time.Minute)))
	assert.Contains(t, closed.FixedBy, "restart cache: done (verified)")
	require.Len(t, closed.Actions, 1)
	assert.Equal(t, "0f3c", closed.Actions[0].AuditID)

	out, stderr, code = runTriage(t, bin, env, "incidents", "show", "1")
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{"# Incident 1: invoice — closed, worst grade ORANGE", "time to recover 0:07:00",
		"**Root cause:** cache/tcp/connect: 127.0.0.1:6390 connection refused (3/3)", "(audit id 0f3c)", "## Timeline"} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "\x1b")
	out, _, code = runTriage(t, bin, env, "incidents", "show", "2")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "# Incident 2: invoice — open, worst grade ORANGE")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"incidents", "show", "99"}, "no incident 99"},
		{[]string{"incidents", "show", "x"}, `show "x": want an incident id`},
		{[]string{"incidents", "list"}, "usage: triage incidents [show ID]"},
		{[]string{"incidents", "--format", "yaml"}, `--format "yaml": want text or json`},
	} {
		_, stderr, code := runTriage(t, bin, env, tc.args...)
		assert.Equal(t, 3, code, tc.args)
		assert.Contains(t, stderr, tc.want, tc.args)
	}
}

func TestIncidentsWithoutAStore(t *testing.T) {
	env := []string{"XDG_STATE_HOME=" + t.TempDir()}
	out, stderr, code := runTriage(t, buildTriage(t), env, "incidents")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "no incidents stored (")
	out, _, code = runTriage(t, buildTriage(t), env, "incidents", "--format", "json")
	require.Equal(t, 0, code)
	assert.JSONEq(t, `{"incidents": []}`, out)
}

func indexOf(s, sub string) int { return strings.Index(s, sub) }
