package mysql

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ServerState is what a switchover reads of one server (docs/sql.md §4, §7).
type ServerState struct {
	Engine          Engine
	ServerID        int64
	ReadOnly        bool
	SuperReadOnly   bool // MySQL only
	LogBin          bool
	LogSlaveUpdates bool
	// MariaDB GTID positions.
	GTIDBinlogPos, GTIDCurrentPos, GTIDSlavePos, GTIDBinlogState string
	// GTIDExecuted is MySQL's @@gtid_executed.
	GTIDExecuted string
	// Replicas lists the replication channels; none on a primary.
	Replicas []ReplicaStatus
	// SourceServerID is Master_Server_Id/Source_Server_Id of the first channel.
	SourceServerID int64
	// NoBackslashEscapes is true when sql_mode makes '\' an ordinary character.
	NoBackslashEscapes bool
}

// Position is the server's own executed position: gtid_binlog_pos on MariaDB
// (what a replica must reach), gtid_executed on MySQL.
func (s ServerState) Position() string {
	if s.Engine.MariaDB {
		return s.GTIDBinlogPos
	}
	return s.GTIDExecuted
}

// serverStateSQL never fails for a variable the server lacks (MySQL 8.4
// dropped the *slave* spellings; MariaDB has no gtid_executed): a missing
// one is simply absent.
const serverStateSQL = `SHOW GLOBAL VARIABLES WHERE Variable_name IN (
 'version','version_comment','server_id','read_only','super_read_only','log_bin',
 'log_slave_updates','log_replica_updates','gtid_binlog_pos','gtid_current_pos',
 'gtid_slave_pos','gtid_binlog_state','gtid_executed')`

// ReadServerState reads role, read_only, GTID positions and replication
// channels. Read-only.
func ReadServerState(ctx context.Context, q Queryer) (ServerState, error) {
	var s ServerState
	v, err := queryNameValue(ctx, q, serverStateSQL)
	if err != nil {
		return s, fmt.Errorf("read server state: %w", err)
	}
	on := func(name string) bool { return v[name] == "ON" || v[name] == "1" }
	s.Engine = ParseEngine(v["version"], v["version_comment"])
	s.ServerID, _ = strconv.ParseInt(v["server_id"], 10, 64)
	s.ReadOnly, s.SuperReadOnly, s.LogBin = on("read_only"), on("super_read_only"), on("log_bin")
	s.LogSlaveUpdates = on("log_slave_updates") || on("log_replica_updates")
	s.GTIDBinlogPos, s.GTIDCurrentPos = v["gtid_binlog_pos"], v["gtid_current_pos"]
	s.GTIDSlavePos, s.GTIDBinlogState = v["gtid_slave_pos"], v["gtid_binlog_state"]
	s.GTIDExecuted = normGTIDSet(v["gtid_executed"])
	rows, err := queryRows(ctx, q, "SELECT @@session.sql_mode AS sql_mode")
	if err != nil || len(rows) == 0 {
		return s, fmt.Errorf("read sql_mode: %w", orNoRow(err))
	}
	s.NoBackslashEscapes = strings.Contains(rows[0].text("sql_mode"), "NO_BACKSLASH_ESCAPES")
	rows, err = queryRows(ctx, q, s.Engine.replicaStatusSQL())
	if err != nil {
		return s, fmt.Errorf("%s: %w", s.Engine.replicaStatusSQL(), err)
	}
	for i, row := range rows {
		s.Replicas = append(s.Replicas, replicaFromRow(row))
		if i == 0 {
			s.SourceServerID = row.num("master_server_id", "source_server_id")
		}
	}
	return s, nil
}

func orNoRow(err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("no row")
}

// normGTIDSet removes the newlines MySQL puts into long gtid_executed values.
func normGTIDSet(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, ",", ", ")), "")
}

// WaitStatement is the bounded wait for a replica to apply target: MariaDB
// MASTER_GTID_WAIT returns 0, or -1 on timeout; MySQL
// WAIT_FOR_EXECUTED_GTID_SET returns 0, or 1 on timeout.
func WaitStatement(e Engine, target string, timeout time.Duration) string {
	secs := max(int(timeout.Seconds()), 1)
	if e.MariaDB {
		return fmt.Sprintf("SELECT MASTER_GTID_WAIT(%s, %d)", QuoteString(target, false), secs)
	}
	return fmt.Sprintf("SELECT WAIT_FOR_EXECUTED_GTID_SET(%s, %d)", QuoteString(target, false), secs)
}

// WaitForPosition runs WaitStatement and reports whether target was reached.
func WaitForPosition(ctx context.Context, q Queryer, e Engine, target string, timeout time.Duration) (bool, error) {
	stmt := WaitStatement(e, target, timeout)
	rows, err := queryRows(ctx, q, stmt)
	if err != nil || len(rows) == 0 {
		return false, fmt.Errorf("%s: %w", stmt, orNoRow(err))
	}
	for _, v := range rows[0] {
		if v == nil {
			return false, fmt.Errorf("%s returned NULL (replication SQL thread stopped?)", stmt)
		}
		n, err := strconv.Atoi(strings.TrimSpace(*v))
		if err != nil {
			return false, fmt.Errorf("%s returned %q", stmt, *v)
		}
		return n == 0, nil
	}
	return false, fmt.Errorf("%s returned no column", stmt)
}

// QuoteString makes s a SQL string literal for statements that take no
// placeholders (CHANGE MASTER TO). Quotes are doubled; backslashes are
// doubled unless the server runs with NO_BACKSLASH_ESCAPES; NUL, newlines
// and ^Z are escaped the same way.
func QuoteString(s string, noBackslash bool) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, c := range s {
		switch {
		case c == '\'':
			b.WriteString("''")
		case noBackslash:
			b.WriteRune(c)
		case c == '\\':
			b.WriteString(`\\`)
		case c == 0:
			b.WriteString(`\0`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == 0x1a:
			b.WriteString(`\Z`)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// LongWrites lists statements other than SELECT that have run for at least
// minSeconds (MHA's check before a switchover: a long write would hold the
// switch or be cut off by read_only). Each is "id: N s: text".
func LongWrites(ctx context.Context, q Queryer, minSeconds int) ([]string, error) {
	rows, err := queryRows(ctx, q, `SELECT ID AS id, TIME AS time, LEFT(INFO, 120) AS info
FROM information_schema.PROCESSLIST
WHERE COMMAND = 'Query' AND TIME >= ? AND INFO IS NOT NULL AND ID <> CONNECTION_ID()
  AND UPPER(LTRIM(INFO)) NOT LIKE 'SELECT%' AND UPPER(LTRIM(INFO)) NOT LIKE 'SHOW%'
ORDER BY TIME DESC LIMIT 10`, minSeconds)
	if err != nil {
		return nil, fmt.Errorf("read running statements: %w", err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%d: %d s: %s", r.num("id"), r.num("time"), r.text("info")))
	}
	return out, nil
}

// Session is a connection a switchover must keep from writing.
type Session struct {
	ID      int64
	User    string
	Host    string
	Command string
	Time    int64
	Info    string
}

// String is "14 root@127.0.0.1:50742 (Query 0 s: INSERT INTO …)".
func (s Session) String() string {
	out := fmt.Sprintf("%d %s@%s (%s %d s", s.ID, s.User, s.Host, s.Command, s.Time)
	if s.Info != "" {
		out += ": " + s.Info
	}
	return out + ")"
}

// privilegedSessionsSQL lists sessions whose account may write through
// read_only: on MariaDB an account with READ_ONLY ADMIN (or SUPER, which
// carried it before 10.11). The account is matched by user name over every
// host pattern, so a doubtful session is listed rather than missed.
// Replication (Binlog Dump), the server's own threads and this session are
// left out.
const privilegedSessionsSQL = `SELECT p.ID AS id, p.USER AS user, p.HOST AS host, p.COMMAND AS command,
  p.TIME AS time, LEFT(COALESCE(p.INFO, ''), 80) AS info
FROM information_schema.PROCESSLIST p
WHERE p.ID <> CONNECTION_ID()
  AND p.COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Killed', 'Slave_IO', 'Slave_SQL', 'Slave_worker')
  AND p.USER NOT IN ('system user', 'event_scheduler', 'unauthenticated user', '')
  AND EXISTS (SELECT 1 FROM information_schema.USER_PRIVILEGES u
    WHERE u.GRANTEE LIKE CONCAT('''', REPLACE(REPLACE(p.USER, '_', '\_'), '%', '\%'), '''@%')
      AND u.PRIVILEGE_TYPE IN ('SUPER', 'READ_ONLY ADMIN'))
ORDER BY p.ID`

// PrivilegedSessions lists the sessions on a MariaDB primary that
// read_only does not stop (see privilegedSessionsSQL). Read-only.
func PrivilegedSessions(ctx context.Context, q Queryer) ([]Session, error) {
	rows, err := queryRows(ctx, q, privilegedSessionsSQL)
	if err != nil {
		return nil, fmt.Errorf("read privileged sessions: %w", err)
	}
	out := make([]Session, 0, len(rows))
	for _, r := range rows {
		out = append(out, Session{ID: r.num("id"), User: r.text("user"), Host: r.text("host"),
			Command: r.text("command"), Time: r.num("time"), Info: r.text("info")})
	}
	return out, nil
}

// adminPrivilegesSQL lists the current account's privileges that decide
// whether it can see other accounts' sessions (PROCESS) and kill them
// (CONNECTION ADMIN, or SUPER).
const adminPrivilegesSQL = `SELECT PRIVILEGE_TYPE AS privilege FROM information_schema.USER_PRIVILEGES
WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
  AND PRIVILEGE_TYPE IN ('PROCESS', 'CONNECTION ADMIN', 'SUPER')`

// MissingAdminPrivileges names what the current account lacks to list and
// kill other accounts' sessions; empty when it can. Without PROCESS the
// session list shows only the account's own sessions, so an empty list
// would be a false "none".
func MissingAdminPrivileges(ctx context.Context, q Queryer) ([]string, error) {
	rows, err := queryRows(ctx, q, adminPrivilegesSQL)
	if err != nil {
		return nil, fmt.Errorf("read the account's privileges: %w", err)
	}
	has := map[string]bool{}
	for _, r := range rows {
		has[r.text("privilege")] = true
	}
	var missing []string
	if !has["PROCESS"] {
		missing = append(missing, "PROCESS")
	}
	if !has["CONNECTION ADMIN"] && !has["SUPER"] {
		missing = append(missing, "CONNECTION ADMIN (or SUPER)")
	}
	return missing, nil
}
