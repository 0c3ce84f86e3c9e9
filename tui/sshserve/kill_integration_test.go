package sshserve_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/remedy"
)

// lockWait is a real lock wait in a database of the test's own: a blocker
// holding row 1 in an open transaction, a waiter queued behind it.
type lockWait struct {
	blocker *sql.Conn
	thread  int64
	waiter  <-chan error
}

func holdLockWait(t *testing.T, dsn string) *lockWait {
	t.Helper()
	ctx := context.Background()
	root, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = root.Close() })
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	db := "triage_ssh_" + hex.EncodeToString(b)
	_, err = root.ExecContext(ctx, "CREATE DATABASE "+db)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = root.Exec("DROP DATABASE IF EXISTS " + db) })
	table := db + ".t"
	_, err = root.ExecContext(ctx, "CREATE TABLE "+table+" (id INT PRIMARY KEY, v INT) ENGINE=InnoDB")
	require.NoError(t, err)
	_, err = root.ExecContext(ctx, "INSERT INTO "+table+" VALUES (1, 0)")
	require.NoError(t, err)

	lw := &lockWait{}
	lw.blocker, err = root.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = lw.blocker.Close() })
	require.NoError(t, lw.blocker.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&lw.thread))
	_, err = lw.blocker.ExecContext(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = lw.blocker.ExecContext(ctx, "UPDATE "+table+" SET v = v + 1 WHERE id = 1")
	require.NoError(t, err)

	waiter, err := root.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = waiter.Close() })
	var wthread int64
	require.NoError(t, waiter.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&wthread))
	_, err = waiter.ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 120")
	require.NoError(t, err)
	ch := make(chan error, 1)
	go func() {
		_, err := waiter.ExecContext(ctx, "UPDATE "+table+" SET v = v + 10 WHERE id = 1")
		ch <- err
	}()
	lw.waiter = ch
	require.Eventually(t, func() bool { // MariaDB refreshes INNODB_TRX when unread for 100 ms
		var n int
		err := root.QueryRow(`SELECT COUNT(*) FROM information_schema.INNODB_TRX
			WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'`, wthread).Scan(&n)
		return err == nil && n == 1
	}, grace.Scale(10*time.Second), 200*time.Millisecond, "the waiter never waited")
	return lw
}

func (lw *lockWait) alive() bool {
	var one int
	return lw.blocker.QueryRowContext(context.Background(), "SELECT 1").Scan(&one) == nil
}

// dbEstate is one core component "db" probed by mysql through $env, kill enabled.
func dbEstate(t *testing.T, dsn string) *config.Config {
	const env = "TRIAGE_SSH_TEST_DSN"
	t.Setenv(env, dsn)
	return &config.Config{Estate: "db-room", Environment: "test", Interval: probes.Duration(time.Second), Core: []string{"db"},
		Components: []config.Component{{
			Name:    "db",
			Probes:  []probes.Spec{{Kind: "mysql", DSNEnv: env, Component: "db"}},
			Actions: config.Actions{KillSession: &config.KillSession{}},
		}}}
}

// openKill drives a session to the kill dialog for our blocker: the data
// pane, K, then ↓ until the preview names our thread (the machine's server
// is shared; another test's blocker may come first).
func openKill(t *testing.T, r *rig, session string, thread int64) string {
	t.Helper()
	r.waitFor(session, "lock_waits")
	r.send(session, "Tab", "Tab", "Tab", "K")
	want := "kill connection " + strconv.FormatInt(thread, 10)
	var scr string
	for range 10 {
		scr = r.waitFor(session, "to confirm")
		if strings.Contains(scr, want) {
			return scr
		}
		r.send(session, "Down")
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("the kill dialog never offered %q:\n%s", want, scr)
	return ""
}

// TestKillOverSSH: a viewer's K is refused by the guard (the screen says
// viewer, nothing runs, the refusal is audited under the viewer's key); an
// operator's kill of a real lock wait's blocker works and the audit names
// the operator's key and SSH origin.
func TestKillOverSSH(t *testing.T) {
	needTools(t)
	dsn := testenv.MySQLDSN(t)
	lw := holdLockWait(t, dsn)
	r := startRig(t, dbEstate(t, dsn), nil)
	id := strconv.FormatInt(lw.thread, 10)

	// The viewer.
	r.client("view", viewerName, 160, 48)
	r.waitFor("view", "lock_waits")
	r.send("view", "Tab", "Tab", "Tab", "K")
	scr := r.waitFor("view", "refused: viewer")
	assert.Contains(t, scr, "Only a key marked operator")
	assert.True(t, lw.alive(), "a viewer kills nothing")
	recs, _, err := remedy.ReadAudit(r.audit)
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	v := recs[len(recs)-1]
	assert.Equal(t, remedy.ResultRefused, v.Result)
	assert.Contains(t, v.Error, "viewer")
	assert.True(t, strings.HasPrefix(v.Operator, viewerName+" SHA256:"), v.Operator)
	assert.True(t, strings.HasPrefix(v.Origin, "ssh 127.0.0.1:"), v.Origin)
	r.send("view", "Escape")

	// The operator.
	r.client("op", opName, 160, 48)
	scr = openKill(t, r, "op", lw.thread)
	assert.Contains(t, scr, "KILL CONNECTION "+id)
	assert.True(t, lw.alive(), "previewing kills nothing")
	r.typeText("op", "lock pile-up over ssh")
	r.send("op", "Tab")
	r.typeText("op", id)
	time.Sleep(200 * time.Millisecond)
	assert.True(t, lw.alive(), "typing kills nothing")
	r.send("op", "Enter")
	r.waitFor("op", "done, verified")
	assert.False(t, lw.alive(), "the blocker is gone")
	select {
	case err := <-lw.waiter:
		assert.NoError(t, err, "the waiter proceeded")
	case <-time.After(grace.Scale(10 * time.Second)):
		t.Fatal("the waiter is still blocked")
	}

	recs, _, err = remedy.ReadAudit(r.audit)
	require.NoError(t, err)
	var intent, outcome *remedy.Record
	for i := range recs {
		if recs[i].Action == remedy.KillSession && recs[i].Target != "" && strings.HasPrefix(recs[i].Operator, opName) {
			switch recs[i].Phase {
			case remedy.PhaseIntent:
				intent = &recs[i]
			case remedy.PhaseOutcome:
				outcome = &recs[i]
			}
		}
	}
	require.NotNil(t, intent, "the intent is recorded under the operator's key")
	require.NotNil(t, outcome)
	assert.Equal(t, remedy.ResultDone, outcome.Result)
	assert.Equal(t, "lock pile-up over ssh", outcome.Reason)
	assert.Regexp(t, `^alice@ops SHA256:[A-Za-z0-9+/]{43}$`, outcome.Operator)
	assert.Regexp(t, `^ssh 127\.0\.0\.1:\d+$`, outcome.Origin)
	require.True(t, waitUntil(grace.Scale(10*time.Second), func() bool {
		return timelineHas(r.tracker, "kill connection "+id, "done", "alice@ops")
	}), "the action is on the shared timeline")
}
