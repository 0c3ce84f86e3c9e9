package mariadbtest

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"
)

// Replication account created on every primary by StartPair/StartReplica.
const (
	ReplUser     = "repl"
	ReplPassword = "repl-test-only"
)

// DB opens a root connection pool to s, closed in t.Cleanup.
func (s *Server) DB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", s.RootDSN()+"?timeout=5s")
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// Exec runs statements as root, failing the test on the first error.
func (s *Server) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	db, err := sql.Open("mysql", s.RootDSN()+"?timeout=5s")
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	defer db.Close()
	for _, q := range stmts {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := db.ExecContext(ctx, q)
		cancel()
		if err != nil {
			t.Fatalf("mariadbtest: server %d: %s: %v", s.ServerID, q, err)
		}
	}
}

// Query returns one string column of the first row (a variable, a status).
func (s *Server) Query(t testing.TB, q string) string {
	t.Helper()
	db, err := sql.Open("mysql", s.RootDSN()+"?timeout=5s")
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var v sql.NullString
	if err := db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		t.Fatalf("mariadbtest: server %d: %s: %v", s.ServerID, q, err)
	}
	return v.String
}

// StartPair starts a primary (server_id 1) and a read-only replica
// (server_id 2) replicating from it with GTID (MASTER_USE_GTID=slave_pos),
// and returns once the replica runs both threads.
func StartPair(t testing.TB) (primary, replica *Server) {
	t.Helper()
	primary = Start(t, Options{ServerID: 1})
	return primary, StartReplica(t, primary)
}

// StartReplica starts a read-only server with the next server_id and points
// it at primary. The replication account is created on primary if needed.
func StartReplica(t testing.TB, primary *Server) *Server {
	t.Helper()
	primary.Exec(t,
		fmt.Sprintf("CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s'", ReplUser, ReplPassword),
		fmt.Sprintf("GRANT REPLICATION SLAVE ON *.* TO '%s'@'%%'", ReplUser))
	replica := Start(t, Options{ServerID: primary.ServerID + 1, ReadOnly: true})
	replica.Exec(t,
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='%s', "+
			"MASTER_PASSWORD='%s', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1",
			primary.Port, ReplUser, ReplPassword),
		"START SLAVE")
	WaitCaughtUp(t, primary, replica, 20*time.Second)
	return replica
}

// WaitCaughtUp waits until replica runs both threads and has applied
// primary's @@gtid_binlog_pos.
func WaitCaughtUp(t testing.TB, primary, replica *Server, timeout time.Duration) {
	t.Helper()
	target := primary.Query(t, "SELECT @@gtid_binlog_pos")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	db, err := sql.Open("mysql", replica.RootDSN()+"?timeout=5s")
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	defer db.Close()
	var res sql.NullInt64
	// MASTER_GTID_WAIT returns 0 once applied, -1 on its own timeout.
	q := fmt.Sprintf("SELECT MASTER_GTID_WAIT('%s', %d)", target, int(timeout.Seconds()))
	if err := db.QueryRowContext(ctx, q).Scan(&res); err != nil || res.Int64 != 0 {
		t.Fatalf("mariadbtest: replica %d did not reach %s within %s (result %v, err %v)\n%s",
			replica.ServerID, target, timeout, res, err, replica.ErrorLog())
	}
	deadline := time.Now().Add(timeout)
	for {
		io, sqlT := threads(ctx, db)
		if io == "Yes" && sqlT == "Yes" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mariadbtest: replica %d threads IO=%s SQL=%s after %s", replica.ServerID, io, sqlT, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// threads reads Slave_IO_Running and Slave_SQL_Running by name.
func threads(ctx context.Context, db *sql.DB) (io, sqlT string) {
	rows, err := db.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return "error", err.Error()
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		return "none", "none"
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return "error", err.Error()
	}
	for i, c := range cols {
		switch c {
		case "Slave_IO_Running":
			io = vals[i].String
		case "Slave_SQL_Running":
			sqlT = vals[i].String
		}
	}
	return io, sqlT
}
