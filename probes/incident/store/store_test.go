package store

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// t0 is when the tests' incidents start; the tracker's clock is injected.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

const cacheCheck = "cache/tcp/connect"

// results are one round: the cache's connect check (not core: crit is
// orange) with status s, and the api's, always ok.
func results(s probes.Status) []probes.Result {
	return []probes.Result{
		{ID: cacheCheck, Component: "cache", Probe: "tcp", Check: "connect", Kind: "tcp", Layer: probes.Network,
			Status: s, Impact: probes.UserFacing, Summary: "127.0.0.1:1 connection refused"},
		{ID: "api/http/status", Component: "api", Probe: "http", Check: "status", Kind: "http", Layer: probes.Application,
			Status: probes.OK, Impact: probes.UserFacing, Summary: "200"},
	}
}

func topo() *incident.Topology { return incident.CoreTopology([]string{"api"}) }

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{Estate: "invoice", Environment: "staging", CloseAfter: 10 * time.Minute})
	require.NoError(t, err)
	return s
}

func TestOpenMakesAPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "triage")
	s := open(t, filepath.Join(dir, FileName))
	defer s.Close()
	tr, err := s.Tracker(topo(), t0, time.Minute)
	require.NoError(t, err)
	tr.Update(results(probes.Crit), t0)
	s.Flush()
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	for _, name := range []string{FileName, FileName + "-wal", FileName + ".lock"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), name)
	}
	assert.Empty(t, s.Notice())
}

func TestResumeContinuesTheClockAndTimeline(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := open(t, path)
	tr, err := s.Tracker(topo(), t0, time.Minute)
	require.NoError(t, err)
	tr.Update(results(probes.OK), t0.Add(-time.Minute))
	st := tr.Update(results(probes.Crit), t0)
	require.Equal(t, incident.Orange, st.Grade)
	tr.Record(incident.Event{Time: t0.Add(time.Minute), Kind: incident.ActionTaken, Subject: "cache",
		Text: "restart cache: done (verified)", AuditID: "a1b2"})
	tr.Override(incident.StepNetwork, true)
	require.NoError(t, s.Close()) // the process ends: what was journaled is on disk

	s = open(t, path)
	defer s.Close()
	now := t0.Add(5 * time.Minute)
	tr, err = s.Tracker(topo(), now, time.Minute)
	require.NoError(t, err)
	// Before any probe answers, the resumed grade holds: a round still
	// running is not a recovery.
	st = tr.Update(nil, now)
	assert.Equal(t, incident.Orange, st.Grade)
	assert.True(t, st.Started.Equal(t0), "the clock continues from the real start, got %s", st.Started)
	assert.True(t, st.Deadline.Equal(t0.Add(incident.Orange.Deadline())))
	assert.Equal(t, map[string]bool{incident.StepNetwork: true}, st.Overrides)
	tl := tr.Timeline()
	var texts []string
	for _, e := range tl {
		texts = append(texts, e.Text)
	}
	all := strings.Join(texts, "\n")
	assert.Contains(t, all, "grade green → orange")
	assert.Contains(t, all, "restart cache: done (verified)")
	assert.Contains(t, all, "triage restarted: incident 1 resumed")
	// The failing check answers again, still failing: same incident, same clock.
	st = tr.Update(results(probes.Crit), now.Add(time.Second))
	assert.Equal(t, incident.Orange, st.Grade)
	assert.True(t, st.Started.Equal(t0))
	s.Flush()
	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].Open())
	assert.Equal(t, cacheCheck, list[0].RootCause)
	require.Len(t, list[0].Actions, 1)
	assert.Equal(t, "a1b2", list[0].Actions[0].AuditID)
}

func TestResumeHoldEndsWhenTheChecksAnswerOrTheWaitIsOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := open(t, path)
	tr, err := s.Tracker(topo(), t0, time.Minute)
	require.NoError(t, err)
	tr.Update(results(probes.Crit), t0)
	require.NoError(t, s.Close())

	for _, tc := range []struct {
		name    string
		results []probes.Result
		at      time.Duration
	}{
		{"the failing check answers ok", results(probes.OK), time.Second},
		{"nothing answers before the wait is over", nil, 2 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := OpenReader(path) // read-only: each case starts from the same stored state
			require.NoError(t, err)
			defer s.Close()
			s.opts = Options{Estate: "invoice", Environment: "staging"}
			now := t0.Add(time.Hour)
			tr, err := s.Tracker(topo(), now, time.Minute)
			require.NoError(t, err)
			st := tr.Update(tc.results, now.Add(tc.at))
			assert.Equal(t, incident.Green, st.Grade)
			assert.True(t, st.Started.IsZero())
		})
	}
}

func TestCloseAfterGreen(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := open(t, path)
	defer s.Close()
	tr, err := s.Tracker(topo(), t0, time.Minute)
	require.NoError(t, err)
	tr.Update(results(probes.Crit), t0)
	tr.Record(incident.Event{Time: t0.Add(2 * time.Minute), Kind: incident.ActionTaken, Subject: "cache",
		Text: "restart cache: done (verified)", AuditID: "feed"})
	// Green for a while, then orange again: a flap is the same incident.
	tr.Update(results(probes.OK), t0.Add(3*time.Minute))
	tr.Update(results(probes.Crit), t0.Add(5*time.Minute))
	recovered := t0.Add(7 * time.Minute)
	tr.Update(results(probes.OK), recovered)
	tr.Update(results(probes.OK), recovered.Add(10*time.Minute-time.Second))
	s.Flush()
	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].Open(), "green for less than close_after: still open")

	tr.Update(results(probes.OK), recovered.Add(10*time.Minute))
	s.Flush()
	list, err = s.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	in := list[0]
	assert.False(t, in.Open())
	assert.True(t, in.Started.Equal(t0))
	assert.True(t, in.Recovered.Equal(recovered))
	assert.Equal(t, 7*time.Minute, in.TimeToRecover())
	assert.Equal(t, incident.Orange, in.Worst)
	assert.Equal(t, cacheCheck, in.RootCause)
	assert.Equal(t, "restart cache: done (verified)", in.Fix)

	report, err := s.Report(in.ID)
	require.NoError(t, err)
	for _, want := range []string{"# Incident 1: invoice — closed, worst grade ORANGE", "time to recover 0:07:00",
		"**Root cause:** cache/tcp/connect", "(audit id feed)", "## At the worst grade", "### Root causes",
		"## Grade changes and their diagnosis", "2026-03-01 10:00:00 UTC · orange\n  - root cause cache/tcp/connect crit: 127.0.0.1:1 connection refused",
		"2026-03-01 10:03:00 UTC · green: all checks ok"} {
		assert.Contains(t, report, want)
	}
	seen := s.SeenBefore(cacheCheck)
	require.Len(t, seen, 1)
	assert.Equal(t, "restart cache: done (verified)", seen[0].Fix)
	assert.Empty(t, s.SeenBefore("api/http/status"))

	// The next failure is a new incident; the closed one is seen before.
	tr.Update(results(probes.Crit), t0.Add(time.Hour))
	s.Flush()
	list, err = s.List()
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.True(t, list[0].Open(), "the open incident first")
	assert.Equal(t, int64(2), list[0].ID)
	// A fresh open sees the closed incident too (loaded from the file).
	require.NoError(t, s.Close())
	s2, err := Open(path, Options{Estate: "invoice", Environment: "staging"})
	require.NoError(t, err)
	defer s2.Close()
	assert.Len(t, s2.SeenBefore(cacheCheck), 1)
	other, err := Open(filepath.Join(t.TempDir(), FileName), Options{Estate: "invoice", Environment: "production"})
	require.NoError(t, err)
	defer other.Close()
	assert.Empty(t, other.SeenBefore(cacheCheck), "another store knows nothing of it")
}

func TestSecondOpenIsReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	first := open(t, path)
	tr, err := first.Tracker(topo(), t0, time.Minute)
	require.NoError(t, err)
	tr.Update(results(probes.Crit), t0)
	first.Flush()

	second := open(t, path)
	assert.True(t, second.ReadOnly())
	assert.Contains(t, second.Notice(), "read-only")
	assert.Contains(t, second.Notice(), "another triage (pid ")
	tr2, err := second.Tracker(topo(), t0.Add(time.Minute), time.Minute)
	require.NoError(t, err)
	st := tr2.Update(nil, t0.Add(time.Minute))
	assert.True(t, st.Started.Equal(t0), "a reader shows the open incident's clock too")
	tr2.Record(incident.Event{Time: t0.Add(time.Minute), Kind: incident.Note, Text: "from the reader"})
	require.NoError(t, second.Close())

	first.Flush()
	evs, err := first.events(1)
	require.NoError(t, err)
	for _, e := range evs {
		assert.NotEqual(t, "from the reader", e.Text, "a reader never writes")
	}
	require.NoError(t, first.Close())
	// The writer gone, the next open writes.
	third := open(t, path)
	defer third.Close()
	assert.False(t, third.ReadOnly())
	assert.Empty(t, third.Notice())
}

func TestCorruptFileIsMovedAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	junk := []byte(strings.Repeat("not a database, a torn copy of one ", 200))
	require.NoError(t, os.WriteFile(path, junk, 0o600))
	s, err := Open(path, Options{Estate: "invoice", Now: func() time.Time { return t0 }})
	require.NoError(t, err)
	defer s.Close()
	aside := path + ".corrupt-20260301T100000Z"
	assert.Contains(t, s.Notice(), "was corrupt")
	assert.Contains(t, s.Notice(), aside)
	b, err := os.ReadFile(aside)
	require.NoError(t, err)
	assert.Equal(t, junk, b, "the corrupt file is kept as it was")
	tr, err := s.Tracker(topo(), t0, time.Minute)
	require.NoError(t, err)
	tr.Update(results(probes.Crit), t0)
	s.Flush()
	list, err := s.List()
	require.NoError(t, err)
	assert.Len(t, list, 1, "the fresh store works")
}

// TestWriteFailureIsANotice makes SQLite's own "database or disk is full"
// happen: max_page_count caps the file at its size now, as a full disk would.
func TestWriteFailureIsANotice(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := open(t, path)
	defer s.Close()
	tr, err := s.Tracker(topo(), t0, time.Minute)
	require.NoError(t, err)
	tr.Update(results(probes.Crit), t0)
	s.Flush()
	require.Empty(t, s.Notice())
	var pages int
	require.NoError(t, s.db.QueryRow("PRAGMA page_count").Scan(&pages))
	_, err = s.db.Exec("PRAGMA max_page_count = " + strconv.Itoa(pages))
	require.NoError(t, err)
	long := strings.Repeat("x", 2000)
	for i := range 20 {
		tr.Record(incident.Event{Time: t0.Add(time.Duration(i) * time.Second), Kind: incident.Note, Text: long})
	}
	s.Flush()
	n := s.Notice()
	assert.Contains(t, n, "write(s) failed")
	assert.Contains(t, n, "full")
	assert.Len(t, tr.Timeline(), 21, "the tracker keeps every event in memory all the same")
}

func TestGreenWaitSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := open(t, path)
	tr, err := s.Tracker(topo(), t0, time.Minute)
	require.NoError(t, err)
	tr.Record(incident.Event{Time: t0.Add(-time.Second), Kind: incident.Note, Text: "fault injected: port closed"})
	tr.Update(results(probes.Crit), t0)
	recovered := t0.Add(2 * time.Minute)
	tr.Update(results(probes.OK), recovered)
	require.NoError(t, s.Close())

	s = open(t, path)
	defer s.Close()
	now := recovered.Add(4 * time.Minute)
	tr, err = s.Tracker(topo(), now, time.Minute)
	require.NoError(t, err)
	st := tr.Update(results(probes.OK), now)
	assert.Equal(t, incident.Green, st.Grade)
	assert.True(t, st.Started.IsZero(), "green: no clock")
	s.Flush()
	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].Open(), "green for 4 of 10 minutes")
	tr.Update(results(probes.OK), recovered.Add(10*time.Minute))
	s.Flush()
	list, err = s.List()
	require.NoError(t, err)
	require.False(t, list[0].Open(), "closed on time across the restart")
	assert.True(t, list[0].Recovered.Equal(recovered))
	evs, err := s.events(list[0].ID)
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	assert.Equal(t, "fault injected: port closed", evs[0].Text, "what happened just before the grade changed opens the timeline")
}
