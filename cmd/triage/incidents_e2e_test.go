package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
)

// screen is the built triage on a tmux server of the test's own (its own
// socket, no user config), in a terminal of a given size.
type screen struct {
	t      *testing.T
	socket string
}

func (s *screen) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	return string(out), err
}

// startScreen runs command in a new tmux server of its own, w×h.
func startScreen(t *testing.T, name string, w, h int, command string) *screen {
	t.Helper()
	s := &screen{t: t, socket: fmt.Sprintf("triage-store-%d-%s", os.Getpid(), name)}
	out, err := s.tmux("new-session", "-d", "-s", "s", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), command)
	require.NoError(t, err, out)
	t.Cleanup(func() { _, _ = s.tmux("kill-server") }) // our own server, by its socket
	return s
}

func (s *screen) pid() int {
	out, err := s.tmux("display-message", "-p", "-t", "s", "#{pane_pid}")
	require.NoError(s.t, err, out)
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	require.NoError(s.t, err, out)
	return pid
}

func (s *screen) keys(keys ...string) {
	out, err := s.tmux(append([]string{"send-keys", "-t", "s"}, keys...)...)
	require.NoError(s.t, err, out)
}

func (s *screen) text() string {
	out, _ := s.tmux("capture-pane", "-p", "-t", "s")
	return out
}

// waitFor polls the screen until it shows every one of want, within wait.
func (s *screen) waitFor(wait time.Duration, want ...string) string {
	s.t.Helper()
	var scr string
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		scr = s.text()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(scr, w)
		}
		if ok {
			return scr
		}
	}
	require.Failf(s.t, "the screen never showed what was expected", "want %q\nscreen:\n%s", want, scr)
	return ""
}

// headerDeadline is when the header says the SLA deadline is: its clock
// plus the time left (the two are drawn together, once a second).
func headerDeadline(t *testing.T, scr string) time.Time {
	t.Helper()
	lines := strings.SplitN(scr, "\n", 3)
	require.Len(t, lines, 3, scr)
	clock := regexp.MustCompile(`(\d\d):(\d\d):(\d\d)\s*$`).FindStringSubmatch(strings.TrimRight(lines[0], " "))
	left := regexp.MustCompile(`(\d\d):(\d\d):(\d\d) left`).FindStringSubmatch(lines[1])
	require.NotNil(t, clock, lines[0])
	require.NotNil(t, left, lines[1])
	hms := func(m []string) time.Duration {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		s, _ := strconv.Atoi(m[3])
		return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second
	}
	return time.Time{}.Add(hms(clock) + hms(left))
}

type storedIncident struct {
	ID        int64     `json:"id"`
	Open      bool      `json:"open"`
	Start     time.Time `json:"start"`
	RootCause *struct {
		CheckID string `json:"check_id"`
	} `json:"root_cause"`
	Recover *float64 `json:"time_to_recover_seconds"`
}

func listStored(t *testing.T, env []string) []storedIncident {
	t.Helper()
	out, stderr, code := runTriage(t, buildTriage(t), env, "incidents", "--json")
	require.Equal(t, 0, code, stderr)
	var doc struct {
		Incidents []storedIncident `json:"incidents"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	return doc.Incidents
}

// TestIncidentOutlivesTheProcess is issue 13's "done when": triage killed
// during an orange incident and started again continues its countdown and
// keeps the timeline; the incident closes after green and is listed with
// its root cause and time to recover; the same cause again shows "seen
// before" in the drill-down, at 80×24 and 200×50.
func TestIncidentOutlivesTheProcess(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		testenv.SkipOrFail(t, "no tmux to run the screen in: %v", err)
	}
	dir := t.TempDir()
	closed := testenv.Refused(t) // the cache: nothing listens there (until the test does)
	api := testenv.Open(t)
	cfg := filepath.Join(dir, "estate.yaml")
	const closeAfter = 3 * time.Second
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`estate: shop-staging
environment: staging
interval: 1s
timeout: 1s
core: [api]
incident: {close_after: %s}
components:
  - name: api
    probes: [{kind: tcp, address: %q}]
    knowledge: {depends_on: [cache]}
  - name: cache
    probes: [{kind: tcp, address: %q}]
`, closeAfter, api, closed)), 0o600))
	env := []string{"XDG_STATE_HOME=" + filepath.Join(dir, "state")}
	command := fmt.Sprintf("env XDG_STATE_HOME=%s %s --config %s", filepath.Join(dir, "state"), buildTriage(t), cfg)
	wait := grace.Scale(20 * time.Second) // the screen's first rounds on a loaded machine

	first := startScreen(t, "first", 80, 24, command)
	scr := first.waitFor(wait, "ORANGE partial outage", " left — cache/tcp/connect crit")
	before := headerDeadline(t, scr)
	stored := listStored(t, env)
	require.Len(t, stored, 1)
	require.True(t, stored[0].Open)
	start := stored[0].Start
	// Let the clock run a few seconds, so a countdown started afresh would
	// show a later deadline than the real one.
	time.Sleep(3 * time.Second)
	pid := first.pid()
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL)) // the process this test started, by its pid
	for deadline := time.Now().Add(wait); syscall.Kill(pid, 0) == nil && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	require.Error(t, syscall.Kill(pid, 0), "the killed triage is gone")
	_, _ = first.tmux("kill-server")

	second := startScreen(t, "second", 80, 24, command)
	scr = second.waitFor(wait, "ORANGE partial outage", " left — cache/tcp/connect crit")
	after := headerDeadline(t, scr)
	assert.LessOrEqual(t, after.Sub(before).Abs(), time.Second,
		"the countdown continues from the real start: deadline %s before the kill, %s after", before.Format("15:04:05"), after.Format("15:04:05"))
	stored = listStored(t, env)
	require.Len(t, stored, 1, "the same incident, not a new one")
	assert.True(t, stored[0].Start.Equal(start))
	second.keys("t")
	scr = second.waitFor(wait, "timeline", "triage restarted: incident 1 resumed", "grade green → orange")
	assert.Less(t, strings.Index(scr, "triage restarted"), strings.Index(scr, "grade green → orange"),
		"newest first: the grade change from before the restart is below the restart")
	second.keys("Escape")

	// The cache comes back: green, and closed close_after later.
	l, err := net.Listen("tcp", closed)
	require.NoError(t, err)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	second.waitFor(wait, "GREEN all checks ok")
	deadline := time.Now().Add(wait + closeAfter)
	for ; time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if stored = listStored(t, env); len(stored) == 1 && !stored[0].Open {
			break
		}
	}
	require.Len(t, stored, 1)
	require.False(t, stored[0].Open, "closed once green for close_after")
	require.NotNil(t, stored[0].RootCause)
	assert.Equal(t, "cache/tcp/connect", stored[0].RootCause.CheckID)
	require.NotNil(t, stored[0].Recover)
	assert.Positive(t, *stored[0].Recover)
	out, _, code := runTriage(t, buildTriage(t), env, "incidents")
	require.Equal(t, 0, code)
	assert.Regexp(t, `(?m)^1\s+closed\s+shop-staging\s+.*orange\s+cache/tcp/connect\s+0:\d\d:\d\d\s+none$`, out)

	// The same cause again: a new incident, and the drill-down has seen it.
	require.NoError(t, l.Close())
	second.waitFor(wait, "ORANGE partial outage")
	second.keys("j", "Enter") // the cache's connect check, under the api's in the network pane
	second.waitFor(wait, "▶ cache")
	second.keys("PgDn")
	second.waitFor(wait, "seen before: cache/tcp/connect was the root cause of 1", "#1 ", "fixed by: no action recorded")
	_, err = second.tmux("resize-window", "-t", "s", "-x", "200", "-y", "50")
	require.NoError(t, err)
	second.waitFor(wait, "seen before: cache/tcp/connect was the root cause of 1 stored incident", "#1 ")
	stored = listStored(t, env)
	require.Len(t, stored, 2)
	assert.True(t, stored[0].Open, "the open incident first")
	assert.Equal(t, int64(2), stored[0].ID)
}

// TestFullDiskKeepsTheScreen fills the disk under a running triage: the
// state directory is a 256 KiB tmpfs in a mount namespace of the test's own
// (unshare -m), filled with nsenter once the incident is stored. The next
// writes fail with SQLite's "database or disk is full"; the screen goes on
// grading, with the failure in its header.
func TestFullDiskKeepsTheScreen(t *testing.T) {
	for _, tool := range []string{"tmux", "unshare", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.SkipOrFail(t, "no %s: %v", tool, err)
		}
	}
	if out, err := exec.Command("unshare", "-m", "true").CombinedOutput(); err != nil {
		testenv.SkipOrFail(t, "no mount namespace for a tmpfs of the test's own (needs root): %v %s", err, out)
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	require.NoError(t, os.Mkdir(state, 0o700))
	cache := testenv.Refused(t)
	cfg := filepath.Join(dir, "estate.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`estate: shop-staging
interval: 1s
timeout: 1s
core: [api]
components:
  - name: api
    probes: [{kind: tcp, address: %q}]
  - name: cache
    probes: [{kind: tcp, address: %q}]
`, testenv.Open(t), cache)), 0o600))
	// The tmpfs lives as long as the namespace: it goes with triage.
	command := fmt.Sprintf("unshare -m sh -c 'mount -t tmpfs -o size=256k tmpfs %s && exec env XDG_STATE_HOME=%s %s --config %s'",
		state, state, buildTriage(t), cfg)
	wait := grace.Scale(20 * time.Second)
	s := startScreen(t, "full", 80, 24, command)
	s.waitFor(wait, "ORANGE partial outage")
	pid := s.pid()
	fill := exec.Command("nsenter", "-t", strconv.Itoa(pid), "-m", "sh", "-c",
		fmt.Sprintf("test -s %[1]s/triage/incidents.db-wal && dd if=/dev/zero of=%[1]s/fill bs=4k 2>/dev/null; df -k %[1]s | tail -1", state))
	out, err := fill.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "100%", "the tmpfs is full: %s", out)

	// The cache comes back: a grade change the store cannot write.
	l, err := net.Listen("tcp", cache)
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	scr := s.waitFor(wait, "GREEN all checks ok", "⚠ incident store: ", "write(s) failed (last: database or disk is full")
	assert.Contains(t, scr, "NETWORK ✔ ok", "the screen goes on: the panes are drawn and graded")
	require.NoError(t, l.Close())
	s.waitFor(wait, "ORANGE partial outage", "write(s) failed")
}
