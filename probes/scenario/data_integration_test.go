package scenario_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/lab/mariadbtest"
)

// dbConfig is an estate whose core API depends on one database; the
// probe's DSN comes from the environment, as in production.
func dbConfig(t *testing.T, dsn, extra string) *config.Config {
	t.Helper()
	t.Setenv("TRIAGE_SCENARIO_DSN", dsn)
	cfg, err := config.Parse([]byte(`
estate: data
core: [invoice-api, db-primary]
components:
  - name: invoice-api
    probes: [{kind: tcp, address: "`+testenv.Open(t)+`"}]
    knowledge: {depends_on: [db-primary]}
  - name: db-primary
    probes:
      - {kind: mysql, dsn_env: TRIAGE_SCENARIO_DSN`+extra+`}
    actions: {kill_session: {}}
`), "data scenario", kinds.Registry)
	require.NoError(t, err)
	return cfg
}

// conn is one pinned session with its connection id.
type conn struct {
	*sql.Conn
	id int64
}

func session(t *testing.T, db *sql.DB) conn {
	t.Helper()
	c, err := db.Conn(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	var id int64
	require.NoError(t, c.QueryRowContext(context.Background(), "SELECT CONNECTION_ID()").Scan(&id))
	return conn{c, id}
}

func run(t *testing.T, c conn, q string) {
	t.Helper()
	_, err := c.ExecContext(context.Background(), q)
	require.NoError(t, err, q)
}

// waitLockWait waits until session id waits for a row lock (InnoDB refreshes
// its transaction list about every 100 ms, so it is polled slower).
func waitLockWait(t *testing.T, db *sql.DB, id int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		_ = db.QueryRow("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state='LOCK WAIT' AND trx_mysql_thread_id=?", id).Scan(&n)
		if n > 0 {
			return
		}
		time.Sleep(150 * time.Millisecond)
	}
	t.Fatalf("session %d never waited for a lock", id)
}

// The database faults on a MariaDB of the suite's own (nothing else
// writes to it, so its counters are the scenario's alone).
func TestDatabaseScenarios(t *testing.T) {
	srv := mariadbtest.Start(t, mariadbtest.Options{ServerID: 7})
	admin := srv.DB(t)
	srv.Exec(t, "CREATE DATABASE scen", "CREATE TABLE scen.invoice (id INT PRIMARY KEY, v INT) ENGINE=InnoDB",
		"INSERT INTO scen.invoice VALUES (1,0),(2,0)")
	dsn := srv.DSN("root", "", "scen")

	t.Run("lock wait on a core database: orange, kill the root blocker", func(t *testing.T) {
		cfg := dbConfig(t, dsn, ", thresholds: {lock_waits: {warn: 0, crit: 1}}")
		blocker, waiter := session(t, admin), session(t, admin)
		run(t, blocker, "BEGIN")
		run(t, blocker, "UPDATE scen.invoice SET v=v+1 WHERE id=1")
		done := make(chan error, 1)
		go func() {
			_, err := waiter.ExecContext(context.Background(), "UPDATE scen.invoice SET v=v+1 WHERE id=1")
			done <- err
		}()
		waitLockWait(t, admin, waiter.id)
		time.Sleep(2200 * time.Millisecond) // past the 1 s crit threshold (waits are whole seconds)
		a, results := diagnose(t, cfg, 200*time.Millisecond)
		run(t, blocker, "ROLLBACK")
		require.NoError(t, <-done)
		expect(t, a, results, cfg.Topology(), want{grade: incident.Orange, cause: "db-primary/mysql/lock_waits",
			chain: []string{"invoice-api", "db-primary"}, action: incident.KillSession,
			adviceHas: fmt.Sprintf("kill the root blocker, connection %d", blocker.id)})
	})

	t.Run("real deadlocks: statement order, nothing to kill", func(t *testing.T) {
		cfg := dbConfig(t, dsn, "")
		a, results := diagnoseWith(t, cfg, time.Second, func() { deadlock(t, admin) })
		expect(t, a, results, cfg.Topology(), want{grade: incident.Yellow, cause: "db-primary/mysql/deadlocks",
			action: incident.NoAction, adviceHas: "take rows in one order"})
	})

	t.Run("connections near max_connections: who holds them", func(t *testing.T) {
		srv.Exec(t, "SET GLOBAL max_connections = 10")
		t.Cleanup(func() { srv.Exec(t, "SET GLOBAL max_connections = 151") })
		holders, err := sql.Open("mysql", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = holders.Close() })
		for range 8 {
			session(t, holders) // idle (Sleep) sessions held open
		}
		cfg := dbConfig(t, dsn, "")
		a, results := diagnose(t, cfg, 200*time.Millisecond)
		expect(t, a, results, cfg.Topology(), want{grade: incident.Orange, cause: "db-primary/mysql/connections",
			action: incident.KillSession, adviceHas: "root@127.0.0.1"})
	})
}

// deadlock makes one real InnoDB deadlock between two sessions.
func deadlock(t *testing.T, db *sql.DB) {
	t.Helper()
	a, b := session(t, db), session(t, db)
	run(t, a, "BEGIN")
	run(t, b, "BEGIN")
	run(t, a, "UPDATE scen.invoice SET v=v+1 WHERE id=1")
	run(t, b, "UPDATE scen.invoice SET v=v+1 WHERE id=2")
	done := make(chan error, 1)
	go func() {
		_, err := a.ExecContext(context.Background(), "UPDATE scen.invoice SET v=v+1 WHERE id=2")
		done <- err
	}()
	waitLockWait(t, db, a.id)
	_, errB := b.ExecContext(context.Background(), "UPDATE scen.invoice SET v=v+1 WHERE id=1")
	errA := <-done
	var me *driver.MySQLError
	require.True(t, errors.As(errors.Join(errA, errB), &me) && me.Number == 1213, "one side is the deadlock victim: %v / %v", errA, errB)
	run(t, a, "ROLLBACK")
	run(t, b, "ROLLBACK")
}

// A replica whose SQL thread stopped on a duplicate key: the replica is the
// cause, with the error and how to resume — not a restore.
func TestReplicaSQLThreadStopped(t *testing.T) {
	primary, replica := mariadbtest.StartPair(t)
	primary.Exec(t, "CREATE DATABASE scen", "CREATE TABLE scen.invoice (id INT PRIMARY KEY)")
	mariadbtest.WaitCaughtUp(t, primary, replica, 20*time.Second)
	rdb := replica.DB(t)
	local := session(t, rdb) // a row written on the replica outside the binlog (root passes read_only)
	run(t, local, "SET SESSION sql_log_bin = 0")
	run(t, local, "INSERT INTO scen.invoice VALUES (7)")
	primary.Exec(t, "INSERT INTO scen.invoice VALUES (7)")
	deadline := time.Now().Add(20 * time.Second)
	for sqlRunning(t, rdb) != "No" {
		if time.Now().After(deadline) {
			t.Fatal("the replica's SQL thread never stopped")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Setenv("TRIAGE_SCENARIO_PRIMARY", primary.RootDSN())
	t.Setenv("TRIAGE_SCENARIO_REPLICA", replica.RootDSN())
	cfg, err := config.Parse([]byte(`
estate: replication
core: [db-primary]
components:
  - name: db-primary
    probes: [{kind: mysql, dsn_env: TRIAGE_SCENARIO_PRIMARY}]
    actions: {switchover: {standby: db-standby}}
  - name: db-standby
    probes: [{kind: mysql, dsn_env: TRIAGE_SCENARIO_REPLICA}]
`), "replication scenario", kinds.Registry)
	require.NoError(t, err)
	a, results := diagnose(t, cfg, 200*time.Millisecond)
	expect(t, a, results, cfg.Topology(), want{grade: incident.Orange, cause: "db-standby/mysql/replication",
		chain: []string{"db-standby"}, adviceHas: "Last_SQL_Error 1062"})
}

// Redis over maxclients behind the API (the runbook's case study): the cache
// is the cause, with the address holding the connections.
func TestRedisOverMaxclients(t *testing.T) {
	addr, _ := testenv.StartRedis(t, "--port", "--maxclients", "20")
	cfg, err := config.Parse([]byte(`
estate: cache
core: [invoice-api]
components:
  - name: invoice-api
    probes: [{kind: tcp, address: "`+testenv.Open(t)+`"}]
    knowledge: {depends_on: [cache]}
  - name: cache
    probes: [{kind: redis, address: "`+addr+`"}]
`), "redis scenario", kinds.Registry)
	require.NoError(t, err)
	var held []net.Conn
	t.Cleanup(func() {
		for _, c := range held {
			_ = c.Close()
		}
	})
	flood := func() {
		for range 24 { // 20 fit (with the probe's own), the rest are refused
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			held = append(held, c)
			_, _ = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 64)
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _ := c.Read(buf)
			if strings.Contains(string(buf[:n]), "max number of clients") {
				continue
			}
		}
	}
	a, results := diagnoseWith(t, cfg, time.Second, flood)
	expect(t, a, results, cfg.Topology(), want{grade: incident.Orange, cause: "cache/redis/clients",
		chain: []string{"invoice-api", "cache"}, adviceHas: "127.0.0.1", explains: []string{"cache/redis/rejected"}})
	assert.NotEmpty(t, held)
}

// sqlRunning reads Slave_SQL_Running from SHOW SLAVE STATUS.
func sqlRunning(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query("SHOW SLAVE STATUS")
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	if !rows.Next() {
		return ""
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	require.NoError(t, rows.Scan(ptrs...))
	for i, c := range cols {
		if c == "Slave_SQL_Running" {
			return vals[i].String
		}
	}
	return ""
}
