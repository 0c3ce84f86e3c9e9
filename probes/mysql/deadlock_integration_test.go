package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

// realDeadlock makes one InnoDB deadlock between two fresh sessions: each
// locks one row, then asks for the other's. It returns both thread ids and
// the one InnoDB rolled back (the session that got error 1213).
func realDeadlock(t *testing.T, db *sql.DB, table string) (a, b, victim int64) {
	t.Helper()
	ctx := context.Background()
	sa, sb := openSession(t, db), openSession(t, db)
	defer func() { _ = sa.conn.Close(); _ = sb.conn.Close() }()
	upd := func(s session, id int) error {
		_, err := s.conn.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET v = v + 1 WHERE id = %d", table, id))
		return err
	}
	for _, s := range []session{sa, sb} {
		_, err := s.conn.ExecContext(ctx, "BEGIN")
		require.NoError(t, err)
	}
	require.NoError(t, upd(sa, 1))
	require.NoError(t, upd(sb, 2))
	aDone := make(chan error, 1)
	go func() { aDone <- upd(sa, 2) }()
	// b asks for row 1 only once a waits for row 2, so the cycle closes.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.INNODB_TRX
			WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'`, sa.id).Scan(&n))
		if n == 1 {
			break
		}
		require.True(t, time.Now().Before(deadline), "session A never waited for the lock")
		time.Sleep(150 * time.Millisecond) // InnoDB refreshes its INNODB_TRX cache only when 100 ms passed since the last read
	}
	bErr := upd(sb, 1)
	aErr := <-aDone
	isDeadlock := func(err error) bool {
		var me *driver.MySQLError
		return errors.As(err, &me) && me.Number == 1213
	}
	switch {
	case isDeadlock(aErr) && bErr == nil:
		victim = sa.id
	case isDeadlock(bErr) && aErr == nil:
		victim = sb.id
	default:
		t.Fatalf("want exactly one deadlock victim; a: %v, b: %v", aErr, bErr)
	}
	for _, s := range []session{sa, sb} {
		_, err := s.conn.ExecContext(ctx, "ROLLBACK")
		require.NoError(t, err)
	}
	return sa.id, sb.id, victim
}

func TestDeadlocksIntegration(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	db := openDB(t, dsn)
	db.SetMaxOpenConns(10)
	ctx := context.Background()
	table := "triage_deadlock_" + randHex(4)
	_, err := db.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (id INT PRIMARY KEY, v INT) ENGINE=InnoDB", table))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+table) })
	_, err = db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s VALUES (1, 0), (2, 0)", table))
	require.NoError(t, err)

	p := newProbe(t, dsn)
	strict := newProbeSpec(t, dsn, probes.Spec{Thresholds: map[string]probes.Threshold{CheckDeadlocks: {Crit: probes.V(1)}}})
	first := runOnce(t, p, 5*time.Second)
	runOnce(t, strict, 5*time.Second)
	total0 := first[CheckDeadlocks].Evidence["deadlocks_total"].(float64)
	t.Logf("first round: %s %s", first[CheckDeadlocks].Status, first[CheckDeadlocks].Summary)

	var a, b, victim int64
	for i := 0; i < 3; i++ {
		a, b, victim = realDeadlock(t, db, table)
	}
	res := runOnce(t, p, 5*time.Second)
	dl := res[CheckDeadlocks]
	js, err := json.Marshal(dl)
	require.NoError(t, err)
	t.Logf("deadlocks: %s", js)

	// Other tests may deadlock on the same server: at least our three.
	delta := dl.Evidence["deadlocks_total"].(float64) - total0
	assert.GreaterOrEqual(t, delta, 3.0)
	require.Contains(t, dl.Evidence, "per_minute")
	// Events in the window, per minute once the window passes a minute (a
	// slow machine may take that long to make three deadlocks).
	window := dl.Evidence["window_seconds"].(float64)
	assert.InDelta(t, delta*60/max(window, 60), dl.Evidence["per_minute"], 0.001)
	if delta <= 6 {
		assert.Equal(t, probes.Warn, dl.Status, dl.Summary)
	}
	assert.Contains(t, dl.Summary, "deadlock(s) in the last")
	latest := dl.Evidence["latest"].(map[string]any)
	var threads []int64
	for _, trx := range latest["transactions"].([]map[string]any) {
		threads = append(threads, trx["thread_id"].(int64))
		assert.Contains(t, trx["query"], "UPDATE "+table)
		assert.Contains(t, trx["lock_waited"], table)
	}
	assert.ElementsMatch(t, []int64{a, b}, threads, "the latest deadlock is our last one, by connection id")
	assert.Contains(t, []int64{a, b}, latest["rolled_back_thread"])
	assert.Equal(t, victim, latest["rolled_back_thread"], "the session that got error 1213")
	assert.Contains(t, dl.Summary, fmt.Sprintf("thread %d rolled back", victim))
	assert.LessOrEqual(t, latest["age_seconds"], int64(60))
	at, err := time.Parse(time.RFC3339, latest["time"].(string))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), at, time.Minute)

	assert.Equal(t, probes.Crit, runOnce(t, strict, 5*time.Second)[CheckDeadlocks].Status, "above the configured crit of 1/min")

	// No new deadlock: the report is not read again (one statement fewer),
	// and the recent deadlock still warns.
	again := runOnce(t, p, 5*time.Second)
	if again[CheckDeadlocks].Evidence["deadlocks_total"] == dl.Evidence["deadlocks_total"] {
		assert.Equal(t, res[CheckConnections].Evidence["statements"].(int)-1, again[CheckConnections].Evidence["statements"])
	}
	assert.Contains(t, []probes.Status{probes.Warn, probes.Crit}, again[CheckDeadlocks].Status)

	// A one-shot look (first round, no rate yet) still sees the recent deadlock.
	fresh := runOnce(t, newProbe(t, dsn), 5*time.Second)[CheckDeadlocks]
	assert.Equal(t, probes.Warn, fresh.Status, fresh.Summary)
	assert.False(t, fresh.Warmup)
	assert.NotContains(t, fresh.Evidence, "per_minute")
}

func TestDeadlocksWithoutProcessIntegration(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	db := openDB(t, dsn)
	user, password := createUser(t, db)
	res := runOnce(t, newProbe(t, withUser(t, dsn, user, password)), 5*time.Second)[CheckDeadlocks]
	assert.Equal(t, probes.Unknown, res.Status)
	assert.Contains(t, res.Summary, "needs PROCESS privilege")
	assert.Contains(t, res.Err, "PROCESS")
	assert.Contains(t, res.Evidence, "deadlocks_total", "the counter needs no privilege")
}
