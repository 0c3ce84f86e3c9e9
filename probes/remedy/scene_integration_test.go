package remedy

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// scene is a table with one hot row on the machine's server, a blocker
// session holding it in an open transaction, and an operator account with
// exactly the kill privileges of docs/sql.md §9 and a password.
type scene struct {
	root     *sql.DB
	table    string
	blocker  *sql.Conn
	thread   int64
	opDSN    string // the account the guard uses
	password string
}

func newScene(t *testing.T, rowsModified int) *scene {
	t.Helper()
	dsn := testenv.MySQLDSN(t)
	root, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = root.Close() })
	ctx := context.Background()
	s := &scene{root: root, table: "remedy_kill_" + randHex(4), password: "Pw-" + randHex(8)}
	_, err = root.ExecContext(ctx, "CREATE TABLE test."+s.table+" (id INT PRIMARY KEY, v INT) ENGINE=InnoDB")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = root.Exec("DROP TABLE IF EXISTS test." + s.table) })
	for i := 1; i <= max(rowsModified, 1); i++ {
		_, err = root.ExecContext(ctx, fmt.Sprintf("INSERT INTO test.%s VALUES (%d, 0)", s.table, i))
		require.NoError(t, err)
	}

	user := "triage_op_" + randHex(3)
	_, err = root.ExecContext(ctx, fmt.Sprintf("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'", user, s.password))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = root.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'127.0.0.1'", user)) })
	_, err = root.ExecContext(ctx, fmt.Sprintf("GRANT PROCESS, CONNECTION ADMIN ON *.* TO '%s'@'127.0.0.1'", user))
	require.NoError(t, err)
	cfg, err := driver.ParseDSN(dsn)
	require.NoError(t, err)
	cfg.User, cfg.Passwd, cfg.DBName = user, s.password, ""
	s.opDSN = cfg.FormatDSN()

	s.blocker, err = root.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.blocker.Close() })
	require.NoError(t, s.blocker.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&s.thread))
	s.begin(t, rowsModified)
	time.Sleep(trxSnapshotIdle) // let INNODB_TRX refresh after earlier tests' reads
	return s
}

// begin opens the blocker's transaction, modifying rows 1..n.
func (s *scene) begin(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := s.blocker.ExecContext(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = s.blocker.ExecContext(ctx, fmt.Sprintf("UPDATE test.%s SET v = v + 1 WHERE id <= %d", s.table, max(n, 1)))
	require.NoError(t, err)
}

// waiter starts a session that waits for row 1; the channel gets its result.
func (s *scene) waiter(t *testing.T) (thread int64, done <-chan error) {
	t.Helper()
	ctx := context.Background()
	conn, err := s.root.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.NoError(t, conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&thread))
	_, err = conn.ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 40")
	require.NoError(t, err)
	ch := make(chan error, 1)
	go func() {
		_, err := conn.ExecContext(ctx, "UPDATE test."+s.table+" SET v = v + 10 WHERE id = 1")
		ch <- err
	}()
	s.waitFor(t, thread)
	return thread, ch
}

// waitFor waits until thread is in LOCK WAIT. It polls every 200 ms:
// MariaDB refreshes its INNODB_TRX snapshot only when nobody read it in the
// last 100 ms, so faster polling sees the same stale snapshot for ever.
func (s *scene) waitFor(t *testing.T, thread int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := s.root.QueryRow(`SELECT COUNT(*) FROM information_schema.INNODB_TRX
			WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'`, thread).Scan(&n)
		return err == nil && n == 1
	}, 10*time.Second, 200*time.Millisecond, "thread %d never waited", thread)
}

// alive reports whether the blocker still answers on its connection.
func (s *scene) alive() bool {
	var one int
	return s.blocker.QueryRowContext(context.Background(), "SELECT 1").Scan(&one) == nil
}

// dbConfig is an estate with one MariaDB component "db" reached through the
// operator account's DSN in an environment variable, with kill enabled.
func (s *scene) dbConfig(t *testing.T, maxRows int64) *config.Config {
	t.Helper()
	env := "TRIAGE_TEST_OP_DSN_" + randHex(3)
	t.Setenv(env, s.opDSN)
	return &config.Config{Components: []config.Component{{
		Name:    "db",
		Probes:  []probes.Spec{{Kind: "mysql", DSNEnv: env, Component: "db"}},
		Actions: config.Actions{KillSession: &config.KillSession{MaxRowsModified: maxRows}},
	}}}
}

func testGuard(t *testing.T, cfg *config.Config, opts Options) (*Guard, string) {
	t.Helper()
	if opts.AuditPath == "" {
		opts.AuditPath = filepath.Join(t.TempDir(), "audit.jsonl")
	}
	if opts.Reprobe == nil {
		opts.Reprobe = func(context.Context, string) (probes.Status, string) { return probes.OK, "stub" }
	}
	opts.Operator, opts.Origin = "tester", "127.0.0.1 50000 22"
	return NewGuard(cfg, opts), opts.AuditPath
}
