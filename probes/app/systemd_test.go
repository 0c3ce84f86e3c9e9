package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "systemd", name))
	require.NoError(t, err)
	return b
}

func TestParseUnitShow(t *testing.T) {
	tests := []struct {
		fixture string
		want    unitState
		wantErr bool
	}{
		{fixture: "active.txt", want: unitState{LoadState: "loaded", ActiveState: "active", SubState: "running", Result: "success",
			ActiveEnter: "Tue 2024-05-14 10:21:07 UTC", ActiveSince: time.Date(2024, 5, 14, 10, 21, 7, 0, time.UTC)}},
		{fixture: "failed.txt", want: unitState{LoadState: "loaded", ActiveState: "failed", SubState: "failed", Result: "exit-code", NRestarts: 2, ExecMainStatus: 1,
			ActiveEnter: "Tue 2024-05-14 10:21:07 UTC", ActiveSince: time.Date(2024, 5, 14, 10, 21, 7, 0, time.UTC)}},
		{fixture: "notfound.txt", want: unitState{LoadState: "not-found", ActiveState: "inactive", SubState: "dead", Result: "success"}},
		{fixture: "inactive.txt", want: unitState{LoadState: "loaded", ActiveState: "inactive", SubState: "dead", Result: "success"}},
		{fixture: "nosystemd.stderr", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			got, err := parseUnitShow(fixture(t, tc.fixture))
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.True(t, tc.want.ActiveSince.Equal(got.ActiveSince), "since %v", got.ActiveSince)
			got.ActiveSince, tc.want.ActiveSince = time.Time{}, time.Time{}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestGradeUnit(t *testing.T) {
	now := time.Date(2024, 5, 17, 12, 21, 7, 0, time.UTC)
	three := 3
	tests := []struct {
		name    string
		fixture string
		prev    *int
		want    probes.Status
		summary string
	}{
		{name: "running", fixture: "active.txt", want: probes.OK, summary: "active (running) since Tue 2024-05-14 10:21:07 UTC (3d2h), 0 restarts"},
		{name: "failed", fixture: "failed.txt", want: probes.Crit, summary: "failed (failed): result exit-code, exit status 1, 2 restarts"},
		{name: "not found", fixture: "notfound.txt", want: probes.Crit, summary: "unit invoice-api.service not found"},
		{name: "stopped", fixture: "inactive.txt", want: probes.Crit, summary: "inactive (dead), 0 restarts"},
		{name: "crash loop", fixture: "autorestart.txt", prev: &three, want: probes.Crit, summary: "activating (auto-restart), 7 restarts (crit > 5), 4 since last round (crash loop?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := parseUnitShow(fixture(t, tc.fixture))
			require.NoError(t, err)
			st, summary := gradeUnit("invoice-api.service", u, tc.prev, UnitRestartsThreshold, now)
			assert.Equal(t, tc.want, st)
			assert.Equal(t, tc.summary, summary)
		})
	}
	u, err := parseUnitShow(fixture(t, "active.txt"))
	require.NoError(t, err)
	u.NRestarts = 4
	st, summary := gradeUnit("x", u, &three, UnitRestartsThreshold, now)
	assert.Equal(t, probes.Warn, st, "a restart since the last round warns")
	assert.Contains(t, summary, "1 since last round")
	u.ActiveState, u.SubState = "activating", "start"
	st, _ = gradeUnit("x", u, nil, UnitRestartsThreshold, now)
	assert.Equal(t, probes.Warn, st)
}

// fakeCommand writes an executable script name into a temp dir placed first
// in PATH: it records its argv (one per line) in $FAKE_ARGS, prints
// $FAKE_STDOUT and $FAKE_STDERR files, and exits $FAKE_EXIT.
func fakeCommand(t *testing.T, name string) (argsFile string) {
	t.Helper()
	dir := t.TempDir()
	script := `#!/bin/sh
printf '%s\n' "$@" > "$FAKE_ARGS"
[ -n "$FAKE_STDOUT" ] && cat "$FAKE_STDOUT"
[ -n "$FAKE_STDERR" ] && cat "$FAKE_STDERR" >&2
[ -n "$FAKE_SLEEP" ] && sleep "$FAKE_SLEEP"
exit ${FAKE_EXIT:-0}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	argsFile = filepath.Join(dir, "args")
	t.Setenv("FAKE_ARGS", argsFile)
	t.Setenv("FAKE_STDOUT", "")
	t.Setenv("FAKE_STDERR", "")
	t.Setenv("FAKE_EXIT", "0")
	t.Setenv("FAKE_SLEEP", "")
	return argsFile
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	require.NoError(t, err)
	return a
}

func TestSystemdLocal(t *testing.T) {
	args := fakeCommand(t, "systemctl")
	p, err := NewSystemd(probes.Spec{Kind: "systemd", Unit: "invoice-api.service"})
	require.NoError(t, err)
	p.now = func() time.Time { return time.Date(2024, 5, 14, 11, 21, 7, 0, time.UTC) }

	t.Setenv("FAKE_STDOUT", abs(t, "testdata/systemd/active.txt"))
	r := p.Run(context.Background())[0]
	assert.Equal(t, probes.OK, r.Status, r.Summary+r.Err)
	assert.Equal(t, "unit", r.Check)
	assert.InDelta(t, 0, *r.Value, 0)
	assert.Equal(t, "running", r.Evidence["sub_state"])
	assert.Equal(t, "local", r.Evidence["host"])
	assert.InDelta(t, 3600, r.Evidence["active_seconds"], 0)
	got, err := os.ReadFile(args)
	require.NoError(t, err)
	assert.Equal(t, "show\ninvoice-api.service\n--property=ActiveState,SubState,NRestarts,ActiveEnterTimestamp,ExecMainStatus,LoadState,Result\n--no-pager\n", string(got))

	t.Setenv("FAKE_STDOUT", abs(t, "testdata/systemd/autorestart.txt"))
	r = p.Run(context.Background())[0]
	assert.Equal(t, probes.Crit, r.Status, r.Summary)
	assert.Equal(t, 7, r.Evidence["restarts_since_last_round"])

	t.Setenv("FAKE_STDOUT", "")
	t.Setenv("FAKE_STDERR", abs(t, "testdata/systemd/nosystemd.stderr"))
	t.Setenv("FAKE_EXIT", "1")
	r = p.Run(context.Background())[0]
	assert.Equal(t, probes.Unknown, r.Status)
	assert.Equal(t, "cannot read unit invoice-api.service on local: System has not been booted with systemd as init system (PID 1). Can't operate.", r.Summary)
	assert.Equal(t, strings.TrimSpace(string(fixture(t, "nosystemd.stderr"))), r.Err)

	t.Setenv("FAKE_STDERR", "")
	t.Setenv("FAKE_EXIT", "0")
	t.Setenv("FAKE_SLEEP", "5")
	const deadline = 200 * time.Millisecond // the fake sleeps 5 s
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	r = p.Run(ctx)[0]
	grace.Within(t, time.Since(start), deadline, "Run returns once ctx is done, not when systemctl does")
	assert.Equal(t, probes.Unknown, r.Status)
	assert.Contains(t, r.Err, "deadline exceeded")
}

func TestSystemdSSH(t *testing.T) {
	args := fakeCommand(t, "ssh")
	t.Setenv("FAKE_STDOUT", abs(t, "testdata/systemd/failed.txt"))
	p, err := NewSystemd(probes.Spec{Kind: "systemd", Unit: "invoice-api.service", SSH: "ops@10.0.0.1"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	r := p.Run(ctx)[0]
	assert.Equal(t, probes.Crit, r.Status, r.Summary+r.Err)
	assert.Equal(t, "ops@10.0.0.1", r.Evidence["host"])
	got, err := os.ReadFile(args)
	require.NoError(t, err)
	assert.Equal(t, []string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=3", "--", "ops@10.0.0.1", "env", "LC_ALL=C", "systemctl", "show", "invoice-api.service",
		"--property=ActiveState,SubState,NRestarts,ActiveEnterTimestamp,ExecMainStatus,LoadState,Result", "--no-pager"},
		strings.Split(strings.TrimSpace(string(got)), "\n"))

	t.Setenv("FAKE_STDOUT", "")
	stderr := filepath.Join(t.TempDir(), "stderr")
	require.NoError(t, os.WriteFile(stderr, []byte("ssh: connect to host 10.0.0.1 port 22: Connection refused\n"), 0o600))
	t.Setenv("FAKE_STDERR", stderr)
	t.Setenv("FAKE_EXIT", "255")
	r = p.Run(ctx)[0]
	assert.Equal(t, probes.Unknown, r.Status)
	assert.Equal(t, "ssh: connect to host 10.0.0.1 port 22: Connection refused", r.Err)
}

func TestNewSystemdRejects(t *testing.T) {
	tests := []struct {
		name string
		spec probes.Spec
		want string
	}{
		{name: "no unit", spec: probes.Spec{}, want: "unit is required"},
		{name: "shell in unit", spec: probes.Spec{Unit: "x; rm -rf /"}, want: "bad unit name"},
		{name: "option as unit", spec: probes.Spec{Unit: "--all"}, want: "bad unit name"},
		{name: "option as host", spec: probes.Spec{Unit: "a.service", SSH: "-oProxyCommand=sh"}, want: "bad ssh target"},
		{name: "space in host", spec: probes.Spec{Unit: "a.service", SSH: "ops@h x"}, want: "bad ssh target"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SystemdKind.New(tc.spec)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	for _, ok := range []string{"invoice-api.service", "getty@tty1.service", `systemd-fsck@dev-disk-by\x2duuid-1234.service`} {
		_, err := NewSystemd(probes.Spec{Unit: ok})
		assert.NoError(t, err, ok)
	}
}

// TestSystemdReal runs the real systemctl: on a machine without systemd as
// PID 1 the check is Unknown with systemctl's own words, never OK.
func TestSystemdReal(t *testing.T) {
	if _, err := exec.LookPath("systemctl"); err != nil {
		t.Skip("systemctl not installed")
	}
	p, err := NewSystemd(probes.Spec{Unit: "triage-does-not-exist.service"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := p.Run(ctx)[0]
	assert.NotEqual(t, probes.OK, r.Status, r.Summary)
	if r.Status == probes.Unknown {
		assert.NotEmpty(t, r.Err)
		t.Logf("systemctl here: %s", r.Err)
	} else {
		assert.Equal(t, "unit triage-does-not-exist.service not found", r.Summary)
	}
}
