package tui

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	driver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/remedy"
)

// mariaDSN is the machine's server (TRIAGE_TEST_MYSQL_DSN or root on
// 127.0.0.1:3306/test); it skips, or fails under CI=true, when none answers.
func mariaDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("TRIAGE_TEST_MYSQL_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/test"
	}
	_ = driver.SetLogger(&driver.NopLogger{}) // the killed session makes the driver log
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		msg := fmt.Sprintf("no MySQL/MariaDB answers at TRIAGE_TEST_MYSQL_DSN or 127.0.0.1:3306: %v", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dsn
}

// lockWait holds a real lock wait in a table of its own: a blocker with an
// open transaction on row 1 and a waiter queued behind it.
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
	table := "test.tui_kill_" + hex.EncodeToString(b)
	_, err = root.ExecContext(ctx, "CREATE TABLE "+table+" (id INT PRIMARY KEY, v INT) ENGINE=InnoDB")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = root.Exec("DROP TABLE IF EXISTS " + table) })
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
	_, err = waiter.ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 40")
	require.NoError(t, err)
	ch := make(chan error, 1)
	go func() {
		_, err := waiter.ExecContext(ctx, "UPDATE "+table+" SET v = v + 10 WHERE id = 1")
		ch <- err
	}()
	lw.waiter = ch
	// MariaDB refreshes INNODB_TRX only when nobody read it for 100 ms.
	require.Eventually(t, func() bool {
		var n int
		err := root.QueryRow(`SELECT COUNT(*) FROM information_schema.INNODB_TRX
			WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'`, wthread).Scan(&n)
		return err == nil && n == 1
	}, 10*time.Second, 200*time.Millisecond, "the waiter never waited")
	return lw
}

func (lw *lockWait) alive() bool {
	var one int
	return lw.blocker.QueryRowContext(context.Background(), "SELECT 1").Scan(&one) == nil
}

// dbEstate is one component "db" probed by mysql through $env, kill enabled.
func dbEstate(t *testing.T, dsn string) (*config.Config, *probes.Scheduler) {
	t.Helper()
	env := "TRIAGE_TUI_TEST_DSN"
	t.Setenv(env, dsn)
	cfg := &config.Config{Estate: "it", Environment: "test", Components: []config.Component{{
		Name:    "db",
		Probes:  []probes.Spec{{Kind: "mysql", DSNEnv: env, Component: "db"}},
		Actions: config.Actions{KillSession: &config.KillSession{}},
	}}}
	targets, errs := kinds.Targets(cfg)
	require.Empty(t, errs)
	s := probes.NewScheduler(targets, probes.Options{})
	t.Cleanup(s.Close)
	return cfg, s
}

// TestKillThroughTheScreen drives the screen with keys against a real lock
// wait: K on the drilled database, a reason, the thread id, enter.
func TestKillThroughTheScreen(t *testing.T) {
	dsn := mariaDSN(t)
	lw := holdLockWait(t, dsn)
	cfg, sched := dbEstate(t, dsn)
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	guard := remedy.NewGuard(cfg, remedy.Options{AuditPath: auditPath, Operator: "tester",
		Reprobe: SchedulerReprobe(sched, 10*time.Second)})
	ctx := context.Background()

	m := New(Options{Config: cfg, Scheduler: sched, Guard: guard})
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 48})
	m = update(t, m, snapshotMsg(sched.Round(ctx)))
	m, _ = press(t, m, "tab", "tab", "tab", "enter") // the data pane: db's first check
	require.Equal(t, viewDrill, m.top())
	require.Equal(t, "db", m.drill().Component())

	m, cmd := press(t, m, "K")
	m = deliver(t, m, cmd)
	// The server is shared: another test's lock wait may be the first root
	// blocker. ↓ walks the sessions of lock_waits to ours.
	for range 10 {
		if p, _ := m.act.dlg.Plan(); p.Thread == lw.thread {
			break
		}
		m, cmd = press(t, m, "down")
		m = deliver(t, m, cmd)
	}
	plan, ok := m.act.dlg.Plan()
	require.True(t, ok)
	require.Equal(t, lw.thread, plan.Thread, "our blocker is in lock_waits")
	require.NoError(t, plan.Refusal)
	v := m.View()
	id := strconv.FormatInt(lw.thread, 10)
	assert.Contains(t, v, "kill connection "+id+" (rolls back 1 rows)")
	assert.Contains(t, v, "KILL CONNECTION "+id)
	assert.Contains(t, v, "type "+id+" to confirm")
	assert.True(t, lw.alive(), "previewing kills nothing")

	keys := []string{}
	for _, r := range "lock pile-up test" {
		keys = append(keys, string(r))
	}
	keys = append(keys, "tab")
	for _, r := range id {
		keys = append(keys, string(r))
	}
	m, cmd = press(t, m, keys...)
	assert.Nil(t, cmd)
	assert.True(t, lw.alive(), "typing kills nothing")
	m, cmd = press(t, m, "enter")
	require.NotNil(t, cmd)
	m = deliver(t, m, cmd) // Execute, synchronously

	out, done := m.act.dlg.Outcome()
	require.True(t, done)
	assert.Equal(t, remedy.ResultDone, out.Result, "%v", out.Err)
	assert.True(t, out.Verified, out.Verification)
	t.Logf("verification: %s", out.Verification)
	assert.Contains(t, m.View(), "✔ done, verified")
	assert.False(t, lw.alive(), "the blocker is gone")
	select {
	case err := <-lw.waiter:
		assert.NoError(t, err, "the waiter proceeded")
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter is still blocked")
	}

	recs, _, err := remedy.ReadAudit(auditPath)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, remedy.PhaseIntent, recs[0].Phase)
	assert.Equal(t, remedy.PhaseOutcome, recs[1].Phase)
	assert.Equal(t, remedy.ResultDone, recs[1].Result)
	assert.Equal(t, "lock pile-up test", recs[1].Reason)
	last := m.ctx.Events[len(m.ctx.Events)-1]
	assert.Equal(t, incident.ActionTaken, last.Kind)
	assert.Equal(t, "kill connection "+id+": done (verified) — reason: lock pile-up test — by tester", last.Text)
}

func TestKillReadOnlyThroughTheScreen(t *testing.T) {
	dsn := mariaDSN(t)
	lw := holdLockWait(t, dsn)
	cfg, sched := dbEstate(t, dsn)
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	guard := remedy.NewGuard(cfg, remedy.Options{ReadOnly: true, AuditPath: auditPath})
	m := New(Options{Config: cfg, Scheduler: sched, Guard: guard, Mode: ReadOnly})
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 48})
	m = update(t, m, snapshotMsg(sched.Round(context.Background())))
	m, cmd := press(t, m, "tab", "tab", "tab", "enter", "K")
	m = deliver(t, m, cmd)
	assert.Contains(t, m.View(), "refused: read-only mode")
	m, cmd = press(t, m, "enter")
	m = deliver(t, m, cmd)
	assert.False(t, m.act.dlg.Visible())
	assert.True(t, lw.alive(), "nothing was killed")
	_, err := os.Stat(auditPath)
	assert.ErrorIs(t, err, os.ErrNotExist, "a preview refused in read-only mode records nothing")
	_, err = lw.blocker.ExecContext(context.Background(), "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, <-lw.waiter)
}
