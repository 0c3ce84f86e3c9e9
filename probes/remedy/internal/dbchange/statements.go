package dbchange

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes/mysql"
)

// ReadOnlyStatements sets or clears read_only: MySQL also sets
// super_read_only (which implies read_only and blocks SUPER too), and must
// clear it before read_only can be cleared.
func ReadOnlyStatements(e mysql.Engine, on bool) []string {
	switch {
	case e.MariaDB && on:
		return []string{"SET GLOBAL read_only = ON"}
	case e.MariaDB:
		return []string{"SET GLOBAL read_only = OFF"}
	case on:
		return []string{"SET GLOBAL super_read_only = ON"}
	}
	return []string{"SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"}
}

// PromoteStatements detach a replica from its source and make it writable.
func PromoteStatements(e mysql.Engine) []string {
	var out []string
	switch {
	case e.MariaDB, !e.AtLeast(8, 0, 22):
		out = []string{"STOP SLAVE", "RESET SLAVE ALL"}
	default:
		out = []string{"STOP REPLICA", "RESET REPLICA ALL"}
	}
	return append(out, ReadOnlyStatements(e, false)...)
}

// Source is where a demoted primary replicates from.
type Source struct {
	Host     string
	Port     int
	User     string
	Password string
}

// DemoteStatements make a server a GTID replica of src (docs/sql.md §7b,
// docs/sql.md §7c) and start replication. run holds the password; show masks it as
// '…' for plans and audit records. noBackslash is the target's
// NO_BACKSLASH_ESCAPES setting, which decides how quotes are escaped.
func DemoteStatements(e mysql.Engine, src Source, noBackslash bool) (run, show []string) {
	q := func(s string) string { return mysql.QuoteString(s, noBackslash) }
	var change, masked string
	switch {
	case e.MariaDB:
		change = fmt.Sprintf("CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%d, MASTER_USER=%s, MASTER_PASSWORD=%%s, MASTER_USE_GTID=slave_pos",
			q(src.Host), src.Port, q(src.User))
		run = []string{"SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos"}
	case e.AtLeast(8, 0, 23):
		change = fmt.Sprintf("CHANGE REPLICATION SOURCE TO SOURCE_HOST=%s, SOURCE_PORT=%d, SOURCE_USER=%s, SOURCE_PASSWORD=%%s, SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1",
			q(src.Host), src.Port, q(src.User))
	default:
		change = fmt.Sprintf("CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%d, MASTER_USER=%s, MASTER_PASSWORD=%%s, MASTER_AUTO_POSITION=1",
			q(src.Host), src.Port, q(src.User))
	}
	masked = fmt.Sprintf(change, "'…'")
	change = fmt.Sprintf(change, q(src.Password))
	start := "START SLAVE"
	if !e.MariaDB && e.AtLeast(8, 0, 22) {
		start = "START REPLICA"
	}
	show = append(append([]string{}, run...), masked, start)
	run = append(run, change, start)
	return run, show
}

// KillStatement is the exact statement a kill runs: KILL CONNECTION ends the
// session and rolls back its transaction; KILL QUERY ends only the running
// statement, keeping the transaction and its locks.
func KillStatement(thread int64, queryOnly bool) string {
	if queryOnly {
		return fmt.Sprintf("KILL QUERY %d", thread)
	}
	return fmt.Sprintf("KILL CONNECTION %d", thread)
}

// KillThread re-reads the session's identity on conn and, only if it is
// still the same session and transaction as want, runs KillStatement on the
// same connection, so nothing can slip in between the check and the kill
// except the server's own scheduling. It returns what it saw.
func KillThread(ctx context.Context, conn *sql.Conn, want mysql.ThreadIdentity, queryOnly bool) (mysql.ThreadIdentity, error) {
	got, err := mysql.LookupThread(ctx, conn, want.ThreadID)
	if err != nil {
		return got, err
	}
	if !want.Same(got) {
		return got, fmt.Errorf("thread %d: trx %q started %q, previewed trx %q started %q: %w",
			want.ThreadID, got.TrxID, got.TrxStarted, want.TrxID, want.TrxStarted, mysql.ErrIdentityChanged)
	}
	if _, err := conn.ExecContext(ctx, KillStatement(want.ThreadID, queryOnly)); err != nil {
		return got, fmt.Errorf("%s: %w", KillStatement(want.ThreadID, queryOnly), err)
	}
	return got, nil
}

// Global read lock statements: FLUSH TABLES WITH READ LOCK makes every
// write wait, whatever the account's privileges, for as long as the
// session that took it holds it; lock_wait_timeout bounds the wait for
// statements already running.
const (
	LockWaitStatement   = "SET SESSION lock_wait_timeout = %d"
	GlobalReadLock      = "FLUSH TABLES WITH READ LOCK"
	ReleaseGlobalLock   = "UNLOCK TABLES"
	errUnknownThread    = 1094
	errUnknownThreadSQL = "Unknown thread id"
)

// Execer runs a statement (a *sql.DB or a *sql.Conn).
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// KillSessions runs KILL CONNECTION for each session on q and returns the
// ones it killed; a session that ended meanwhile is not an error.
func KillSessions(ctx context.Context, q Execer, sessions []mysql.Session) ([]mysql.Session, error) {
	var killed []mysql.Session
	for _, s := range sessions {
		if _, err := q.ExecContext(ctx, KillStatement(s.ID, false)); err != nil {
			if strings.Contains(err.Error(), errUnknownThreadSQL) || strings.Contains(err.Error(), fmt.Sprint(errUnknownThread)) {
				continue
			}
			return killed, fmt.Errorf("%s: %w", KillStatement(s.ID, false), err)
		}
		killed = append(killed, s)
	}
	return killed, nil
}
