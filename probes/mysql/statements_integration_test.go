package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab/mariadbtest"
)

// generalLog reads what a private server's general log (log_output=TABLE)
// recorded from the probe's account since the last call, then empties it.
type generalLog struct {
	conn *sql.Conn // the test's own session, left out of the count
}

func startGeneralLog(t *testing.T, s *mariadbtest.Server) generalLog {
	t.Helper()
	ctx := context.Background()
	conn, err := s.DB(t).Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	// sql_log_bin=0: emptying the log must not become a local write (an
	// errant transaction) on the replica.
	for _, q := range []string{"SET SESSION sql_log_bin = 0", "SET GLOBAL log_output = 'TABLE'",
		"SET GLOBAL general_log = ON", "TRUNCATE mysql.general_log"} {
		_, err := conn.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	return generalLog{conn: conn}
}

// take returns the statements logged since the last take: queries,
// prepares and executes of root sessions other than the test's own (the
// replication threads log as other users, or not at all).
func (g generalLog) take(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := g.conn.QueryContext(ctx, `SELECT command_type, LEFT(CONVERT(argument USING utf8mb4), 60)
		FROM mysql.general_log
		WHERE thread_id <> CONNECTION_ID() AND command_type IN ('Query', 'Prepare', 'Execute')
		  AND user_host LIKE 'root[root]%' ORDER BY event_time`)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var typ, arg string
		require.NoError(t, rows.Scan(&typ, &arg))
		out = append(out, typ+": "+arg)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	_, err = g.conn.ExecContext(ctx, "TRUNCATE mysql.general_log")
	require.NoError(t, err)
	return out
}

// round runs one probe round and returns what the server logged for it,
// checking the probe's own count (connections evidence) agrees.
func (g generalLog) round(t *testing.T, p *Probe, what string) (map[string]probes.Result, []string) {
	t.Helper()
	res := runOnce(t, p, 5*time.Second)
	logged := g.take(t)
	t.Logf("%s: %d statement(s) %q", what, len(logged), logged)
	assert.Equal(t, len(logged), res[CheckConnections].Evidence["statements"], "%s: the probe counts what it sends", what)
	return res, logged
}

// TestStatementBudgetIntegration counts, in the general log of a private
// primary/replica pair, the statements each round sends: a quiet round at
// most 2, at most 3 with lock waits.
func TestStatementBudgetIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two mariadbd")
	}
	tmp, err := os.MkdirTemp("", "triage-stmt-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp) // mariadb-install-db and mariadbd's own temporary files
	primary, replica := mariadbtest.StartPair(t)
	primary.Exec(t, "CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB",
		"INSERT INTO app.t VALUES (1, 0)")
	mariadbtest.WaitCaughtUp(t, primary, replica, 20*time.Second)

	t.Run("primary", func(t *testing.T) {
		log := startGeneralLog(t, primary)
		p := newProbe(t, primary.RootDSN())
		_, first := log.round(t, p, "first round")
		assert.LessOrEqual(t, len(first), 4, "variables, snapshot, replica status, deadlock report")
		for i := 0; i < 3; i++ {
			res, quiet := log.round(t, p, fmt.Sprintf("quiet round %d", i+1))
			assert.LessOrEqual(t, len(quiet), 2)
			assert.Equal(t, probes.OK, res[CheckReplication].Status, res[CheckReplication].Summary)
			assert.Equal(t, probes.OK, res[CheckReadOnly].Status, res[CheckReadOnly].Summary)
		}

		// A row-lock wait: the round adds the lock-wait statement, no more.
		db := primary.DB(t)
		a, b := openSession(t, db), openSession(t, db)
		_, err := a.conn.ExecContext(context.Background(), "BEGIN")
		require.NoError(t, err)
		_, err = a.conn.ExecContext(context.Background(), "UPDATE app.t SET v = v + 1 WHERE id = 1")
		require.NoError(t, err)
		t.Cleanup(func() { _, _ = a.conn.ExecContext(context.Background(), "ROLLBACK") })
		bDone := startWaiting(t, b, "UPDATE app.t SET v = v + 1 WHERE id = 1")
		deadline := time.Now().Add(30 * time.Second)
		for {
			var n int
			require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM information_schema.INNODB_TRX
				WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'`, b.id).Scan(&n))
			if n == 1 {
				break
			}
			require.True(t, time.Now().Before(deadline), "B never waited")
			time.Sleep(150 * time.Millisecond) // InnoDB refreshes its INNODB_TRX cache only when 100 ms passed since the last read
		}
		log.take(t) // the test's own sessions
		res, waits := log.round(t, p, "round with a lock wait")
		assert.LessOrEqual(t, len(waits), 3)
		w, roots := mine(res[CheckLockWaits], a.id, b.id)
		require.Len(t, w, 1, res[CheckLockWaits].Summary)
		assert.Equal(t, b.id, w[0]["waiting_thread"])
		assert.Equal(t, a.id, w[0]["blocking_thread"])
		assert.Equal(t, []int64{a.id}, roots)
		_, err = a.conn.ExecContext(context.Background(), "ROLLBACK")
		require.NoError(t, err)
		require.NoError(t, <-bDone)
	})

	t.Run("replica", func(t *testing.T) {
		log := startGeneralLog(t, replica)
		p := newProbe(t, replica.RootDSN())
		log.round(t, p, "first round")
		for i := 0; i < 3; i++ {
			res, quiet := log.round(t, p, fmt.Sprintf("quiet round %d", i+1))
			assert.LessOrEqual(t, len(quiet), 2)
			r := res[CheckReplication]
			assert.Equal(t, probes.OK, r.Status, r.Summary)
			require.NotNil(t, r.Value, "lag is read every round on a replica")
			assert.Equal(t, "replica", r.Evidence["role"])
			assert.Equal(t, probes.OK, res[CheckReadOnly].Status, res[CheckReadOnly].Summary)
		}
		// Replication stopping is seen in the very next round.
		replica.Exec(t, "STOP SLAVE SQL_THREAD")
		t.Cleanup(func() { replica.Exec(t, "START SLAVE SQL_THREAD") })
		log.take(t) // the test's own STOP SLAVE
		res, _ := log.round(t, p, "SQL thread stopped")
		assert.Equal(t, probes.Crit, res[CheckReplication].Status, res[CheckReplication].Summary)
	})
}
