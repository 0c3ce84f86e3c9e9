package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

// session is one pinned connection of the test, with its server thread id.
type session struct {
	conn *sql.Conn
	id   int64
}

func openSession(t *testing.T, db *sql.DB) session {
	t.Helper()
	ctx := context.Background()
	c, err := db.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	var id int64
	require.NoError(t, c.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id))
	_, err = c.ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 120")
	require.NoError(t, err)
	return session{c, id}
}

// startWaiting runs stmt on s in the background; the returned channel
// yields its error once the statement gets its lock (or fails).
func startWaiting(t *testing.T, s session, stmt string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	go func() { _, err := s.conn.ExecContext(ctx, stmt); done <- err }()
	return done
}

// mine keeps the waits among this test's sessions (other tests may hold
// locks on the same server at the same time).
func mine(res probes.Result, ids ...int64) (waits []map[string]any, roots []int64) {
	in := map[int64]bool{}
	for _, id := range ids {
		in[id] = true
	}
	for _, w := range res.Evidence["waits"].([]map[string]any) {
		if in[w["waiting_thread"].(int64)] {
			waits = append(waits, w)
		}
	}
	for _, r := range res.Evidence["root_blockers"].([]int64) {
		if in[r] {
			roots = append(roots, r)
		}
	}
	return waits, roots
}

// waitFor runs rounds until cond holds (bounded).
func waitFor(t *testing.T, p *Probe, within time.Duration, cond func(probes.Result) bool) probes.Result {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		res := runOnce(t, p, 3*time.Second)[CheckLockWaits]
		if cond(res) {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s; last: %s %s", within, res.Status, res.Summary)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestLockWaitChainIntegration(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	db := openDB(t, dsn)
	db.SetMaxOpenConns(10)
	ctx := context.Background()
	table := "triage_lockwait_" + randHex(4)
	_, err := db.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (id INT PRIMARY KEY, v INT) ENGINE=InnoDB", table))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+table) })
	_, err = db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s VALUES (1, 0)", table))
	require.NoError(t, err)
	update := fmt.Sprintf("UPDATE %s SET v = v + 1 WHERE id = 1", table)

	// A: holds the row lock and goes idle in its transaction.
	a := openSession(t, db)
	_, err = a.conn.ExecContext(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = a.conn.ExecContext(ctx, update)
	require.NoError(t, err)
	rolledBack := false
	t.Cleanup(func() {
		if !rolledBack {
			_, _ = a.conn.ExecContext(context.Background(), "ROLLBACK")
		}
	})

	// B: waits for A.
	b := openSession(t, db)
	bDone := startWaiting(t, b, update)
	p := newProbe(t, dsn)
	res := waitFor(t, p, 10*time.Second, func(r probes.Result) bool { w, _ := mine(r, b.id); return len(w) > 0 })
	waits, roots := mine(res, a.id, b.id)
	require.Len(t, waits, 1)
	assert.Equal(t, b.id, waits[0]["waiting_thread"], "waiting thread id as the server has it")
	assert.Equal(t, a.id, waits[0]["blocking_thread"], "blocking thread id as the server has it")
	assert.Equal(t, []int64{a.id}, roots)
	assert.Nil(t, waits[0]["blocking_query"], "A is idle: no statement")
	assert.Contains(t, waits[0]["blocking_activity"], "idle in transaction")
	assert.Equal(t, int64(1), waits[0]["blocking_rows_modified"])
	assert.Equal(t, update, waits[0]["waiting_query"])
	assert.Contains(t, []probes.Status{probes.Warn, probes.Crit}, res.Status)

	// C: queued behind B on the same row. InnoDB lists B as one of its
	// blockers; the root is still only A.
	c := openSession(t, db)
	cDone := startWaiting(t, c, update)
	res = waitFor(t, p, 10*time.Second, func(r probes.Result) bool { w, _ := mine(r, c.id); return len(w) > 0 })
	waits, roots = mine(res, a.id, b.id, c.id)
	assert.Equal(t, []int64{a.id}, roots, "queued waiters are filtered out of root_blockers")
	blockersOfC := map[int64]bool{}
	for _, w := range waits {
		if w["waiting_thread"] == c.id {
			blockersOfC[w["blocking_thread"].(int64)] = true
		}
	}
	t.Logf("InnoDB lists C (%d) as blocked by %v; root_blockers %v", c.id, blockersOfC, roots)
	var rootNode map[string]any
	for _, n := range res.Evidence["chain"].([]map[string]any) {
		if n["thread"] == a.id {
			rootNode = n
		}
	}
	require.NotNil(t, rootNode, "the tree starts at the root blocker")
	assert.Equal(t, 2, rootNode["blocked_total"])
	assert.Len(t, rootNode["waiters"], 2, "B and C both hang directly under A")

	// The identity the remediation will re-check before a kill.
	id, err := p.LookupThread(ctx, a.id)
	require.NoError(t, err)
	assert.Equal(t, a.id, id.ThreadID)
	assert.Equal(t, rootNode["trx_id"], id.TrxID)
	assert.Equal(t, int64(1), id.RowsModified)
	again, err := p.LookupThread(ctx, a.id)
	require.NoError(t, err)
	assert.True(t, id.Same(again))

	// Past 10 s the wait is crit (the runbook's "lock wait > 10 s").
	res = waitFor(t, p, 20*time.Second, func(r probes.Result) bool {
		w, _ := mine(r, b.id)
		return len(w) > 0 && w[0]["wait_seconds"].(int64) > 10
	})
	assert.Equal(t, probes.Crit, res.Status, res.Summary)
	assert.Contains(t, res.Summary, "(crit > 10 s)")
	// Other tests may hold locks on the same server: look for A, not for
	// the only root.
	if len(res.Evidence["root_blockers"].([]int64)) <= 2 { // the summary names two roots at most
		assert.Contains(t, res.Summary, fmt.Sprintf("thread %d (idle in transaction", a.id))
	}
	_, roots = mine(res, a.id, b.id, c.id)
	assert.Equal(t, []int64{a.id}, roots)
	js, err := json.Marshal(res)
	require.NoError(t, err)
	t.Logf("lock_waits: %s", js)

	// Releasing A lets B then C through, and the wait disappears.
	_, err = a.conn.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)
	rolledBack = true
	require.NoError(t, <-bDone)
	require.NoError(t, <-cDone)
	res = waitFor(t, p, 5*time.Second, func(r probes.Result) bool { w, _ := mine(r, b.id, c.id); return len(w) == 0 })
	_, err = LookupThread(ctx, db, 1<<40)
	assert.ErrorIs(t, err, ErrNoThread)
}
