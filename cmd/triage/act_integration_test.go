package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes/lab/mariadbtest"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/remedy/remedytest"
)

// buildTriage builds the command into a temporary directory.
// runTriage runs the built command and returns stdout, stderr and the exit code.
func runTriage(t *testing.T, bin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return stdout.String(), stderr.String(), code
}

func TestActKillSessionCLI(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	bin := buildTriage(t)
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	table := "test.act_cli_" + hex.EncodeToString(b)
	_, err = db.ExecContext(ctx, "CREATE TABLE "+table+" (id INT PRIMARY KEY, v INT) ENGINE=InnoDB")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS " + table) })
	_, err = db.ExecContext(ctx, "INSERT INTO "+table+" VALUES (1, 0)")
	require.NoError(t, err)

	// A real lock wait: the blocker holds row 1 in an open transaction.
	blocker, err := db.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = blocker.Close() })
	var thread int64
	require.NoError(t, blocker.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&thread))
	_, err = blocker.ExecContext(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = blocker.ExecContext(ctx, "UPDATE "+table+" SET v = 1 WHERE id = 1")
	require.NoError(t, err)
	waiter, err := db.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = waiter.Close() })
	done := make(chan error, 1)
	go func() {
		_, err := waiter.ExecContext(ctx, "UPDATE "+table+" SET v = 2 WHERE id = 1")
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)

	dir := t.TempDir()
	conf := filepath.Join(dir, "triage.yaml")
	require.NoError(t, os.WriteFile(conf, []byte(`estate: cli-test
components:
  - name: db
    probes:
      - {kind: mysql, dsn_env: TRIAGE_CLI_TEST_DSN}
    actions:
      kill_session: {}
`), 0o600))
	audit := filepath.Join(dir, "audit.jsonl")
	env := []string{"TRIAGE_CLI_TEST_DSN=" + dsn, "SSH_CLIENT=192.0.2.7 51000 22"}
	id := strconv.FormatInt(thread, 10)
	alive := func() bool {
		var one int
		return blocker.QueryRowContext(ctx, "SELECT 1").Scan(&one) == nil
	}

	out, errOut, code := runTriage(t, bin, env, "--config", conf, "--audit-log", audit, "--read-only",
		"act", "kill-session", "--component", "db", "--thread", id, "--confirm", id, "--reason", "test")
	assert.Equal(t, 1, code, "read-only is refused: %s %s", out, errOut)
	assert.Contains(t, errOut, "read-only")
	assert.True(t, alive(), "read-only killed nothing")

	out, errOut, code = runTriage(t, bin, env, "--config", conf, "--audit-log", audit,
		"act", "kill-session", "--component", "db", "--thread", id, "--confirm", "4711", "--reason", "test")
	assert.Equal(t, 1, code, "a wrong confirmation is refused: %s %s", out, errOut)
	assert.True(t, alive())

	out, errOut, code = runTriage(t, bin, env, "--config", conf, "--audit-log", audit,
		"act", "kill-session", "--component", "db", "--thread", id, "--confirm", id, "--reason", "test", "--format", "json")
	require.Equal(t, 0, code, "%s %s", out, errOut)
	var rec remedy.Record
	require.NoError(t, json.Unmarshal([]byte(out), &rec), out)
	assert.Equal(t, remedy.ResultDone, rec.Result)
	require.NotNil(t, rec.Verified)
	assert.True(t, *rec.Verified, rec.Verification)
	assert.Equal(t, "192.0.2.7 51000 22", rec.Origin)
	assert.Equal(t, []string{"KILL CONNECTION " + id}, rec.Commands)
	select {
	case err := <-done:
		assert.NoError(t, err, "the waiter proceeds")
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter is still blocked")
	}
	assert.False(t, alive(), "the blocker is gone")

	recs, _, err := remedy.ReadAudit(audit)
	require.NoError(t, err)
	var phases []string
	for _, r := range recs {
		phases = append(phases, r.Phase+":"+r.Result)
	}
	assert.Equal(t, []string{"outcome:refused", "outcome:refused", "intent:", "outcome:done"}, phases)
	st, err := os.Stat(audit)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	out, _, code = runTriage(t, bin, nil, "--audit-log", audit, "audit")
	require.Equal(t, 0, code)
	t.Logf("triage audit:\n%s", out)
	assert.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 5)
	assert.Contains(t, out, "done (verified)")
}

func TestActRestartExitCodes(t *testing.T) {
	bin := buildTriage(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "triage.yaml")
	require.NoError(t, os.WriteFile(conf, []byte(`components:
  - name: ok-svc
    actions:
      restart: {argv: [/bin/sh, -c, "echo restarted"]}
  - name: bad-svc
    actions:
      restart: {argv: [/bin/sh, -c, "echo boom >&2; exit 4"]}
  - name: plain
`), 0o600))
	audit := filepath.Join(dir, "audit.jsonl")
	tests := []struct {
		name string
		args []string
		code int
	}{
		{name: "not enabled", args: []string{"--component", "plain", "--confirm", "plain"}, code: 1},
		{name: "no confirmation", args: []string{"--component", "bad-svc"}, code: 1},
		{name: "dry run", args: []string{"--component", "bad-svc", "--dry-run"}, code: 0},
		{name: "fails", args: []string{"--component", "bad-svc", "--confirm", "bad-svc"}, code: 2},
		{name: "cooldown after the failure", args: []string{"--component", "bad-svc", "--confirm", "bad-svc"}, code: 1},
		{name: "bad config", args: []string{"--component", "x", "--config", filepath.Join(dir, "missing.yaml")}, code: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--config", conf, "--audit-log", audit, "act", "restart"}, tt.args...)
			out, errOut, code := runTriage(t, bin, nil, args...)
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
		})
	}
}

func TestActSwitchoverCLI(t *testing.T) {
	bin := buildTriage(t)
	primary, replica := mariadbtest.StartPair(t)
	primary.Exec(t,
		"CREATE DATABASE app",
		"CREATE TABLE app.w (id BIGINT PRIMARY KEY, via VARCHAR(16))",
		"CREATE USER 'app'@'%' IDENTIFIED BY 'app-pw'",
		"GRANT SELECT, INSERT ON app.* TO 'app'@'%'")
	mariadbtest.WaitCaughtUp(t, primary, replica, 10*time.Second)
	front := remedytest.StartNginx(t)
	w := remedytest.StartWriter(t, front, map[string]string{
		"primary": primary.DSN("app", "app-pw", "app"), "standby": replica.DSN("app", "app-pw", "app")}, "app.w")
	require.Eventually(t, func() bool { return len(w.Acked()) > 20 }, 10*time.Second, 20*time.Millisecond)

	dir := t.TempDir()
	conf := filepath.Join(dir, "triage.yaml")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`estate: pair
components:
  - name: db-primary
    probes: [{kind: mysql, dsn_env: TRIAGE_PRIMARY_DSN}]
    actions:
      switchover:
        standby: db-standby
        traffic_argv: [%s, standby]
        replication_user: %s
        replication_password_env: TRIAGE_REPL_PASSWORD
  - name: db-standby
    probes: [{kind: mysql, dsn_env: TRIAGE_STANDBY_DSN}]
`, front.Hook, mariadbtest.ReplUser)), 0o600))
	audit := filepath.Join(dir, "audit.jsonl")
	env := []string{"TRIAGE_PRIMARY_DSN=" + primary.RootDSN(), "TRIAGE_STANDBY_DSN=" + replica.RootDSN(),
		"TRIAGE_REPL_PASSWORD=" + mariadbtest.ReplPassword}
	args := []string{"--config", conf, "--audit-log", audit, "act", "switchover", "--component", "db-primary", "--confirm", "db-standby"}

	out, errOut, code := runTriage(t, bin, env, args...)
	assert.Equal(t, 1, code, "a switchover without a reason is refused: %s %s", out, errOut)
	assert.Equal(t, "0", primary.Query(t, "SELECT @@read_only"))

	before := len(w.Acked())
	out, errOut, code = runTriage(t, bin, env, append(args, "--reason", "planned test")...)
	t.Logf("triage act switchover:\n%s%s", out, errOut)
	require.Equal(t, 0, code)
	assert.Eventually(t, func() bool { return front.Answer() == "standby" }, 2*time.Second, 50*time.Millisecond,
		"nginx answers from the standby backend")
	require.Eventually(t, func() bool { return len(w.Acked()) > before+20 }, 10*time.Second, 20*time.Millisecond,
		"writes go on through nginx to the new primary")
	w.Halt()

	assert.Equal(t, "0", replica.Query(t, "SELECT @@read_only"), "the replica was promoted")
	assert.Equal(t, "1", primary.Query(t, "SELECT @@read_only"), "the old primary was demoted")
	mariadbtest.WaitCaughtUp(t, replica, primary, 10*time.Second)
	acked := w.Acked()
	assert.Empty(t, remedytest.Missing(t, replica.DB(t), "app.w", acked), "no acknowledged row lost")
	assert.Empty(t, remedytest.Missing(t, primary.DB(t), "app.w", acked), "the old primary has them too")
	failed, last := w.Failed()
	t.Logf("writer: %d acknowledged, %d refused while read-only (last: %v)", len(acked), failed, last)
	raw, err := os.ReadFile(audit)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), mariadbtest.ReplPassword)
}
