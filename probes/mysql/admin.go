package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/fivelayer/triage/probes"
)

// Admin is a connection pool opened for one remediation (a kill, a
// switchover) on a component's mysql probe DSN. It is separate from the
// probe's own pool so an action never waits behind a probe round, and it has
// no read timeout: every statement runs under the caller's context, because
// MASTER_GTID_WAIT legitimately blocks for its whole bound.
type Admin struct {
	DB *sql.DB
	// Addr is host:port (or the socket path) from the DSN; never the DSN.
	Addr string
	// User is the DSN's user name.
	User string

	password string
	unix     bool
}

// AdminLockWait is the lock_wait_timeout of every Admin session. SET
// GLOBAL read_only, FLUSH TABLES WITH READ LOCK and CHANGE MASTER wait for
// metadata locks, by default for a day: a session holding LOCK TABLES
// would hang the action. Bounded, the statement fails and the action
// stops with its state (a variable for tests).
var AdminLockWait = 10 * time.Second

// OpenAdmin opens an Admin on spec's DSN (dsn_env, dsn_file or dsn). Nothing
// connects until the first statement. Errors never quote the DSN.
func OpenAdmin(spec probes.Spec) (*Admin, error) {
	dsn, err := spec.DSNValue()
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql: invalid DSN (want user:password@tcp(host:port)/db): %s",
			redact(redact(err.Error(), dsn), passwordOf(dsn)))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	cfg.ReadTimeout, cfg.WriteTimeout = 0, 0
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["lock_wait_timeout"] = strconv.Itoa(max(int(AdminLockWait.Seconds()), 1))
	cfg.Logger = &driver.NopLogger{}
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: %s", redact(err.Error(), cfg.Passwd))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(3)
	db.SetMaxIdleConns(2)
	return &Admin{DB: db, Addr: cfg.Addr, User: cfg.User, password: cfg.Passwd, unix: cfg.Net == "unix"}, nil
}

// Close closes the pool.
func (a *Admin) Close() error { return a.DB.Close() }

// Secret is the DSN's password, so callers can keep it out of what they write.
func (a *Admin) Secret() string { return a.password }

// HostPort splits Addr for CHANGE MASTER TO; a socket DSN has none.
func (a *Admin) HostPort() (string, int, error) {
	if a.unix {
		return "", 0, fmt.Errorf("%s is a unix socket: a replica cannot connect to it; use a tcp DSN", a.Addr)
	}
	h, p, err := net.SplitHostPort(a.Addr)
	if err != nil {
		return "", 0, fmt.Errorf("address %s: %w", a.Addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("address %s: bad port", a.Addr)
	}
	return h, port, nil
}

// Explain turns err into one line without the password.
func (a *Admin) Explain(err error) string {
	if err == nil {
		return ""
	}
	e := Engine{}
	return redact(e.explain(err, target{user: a.User, addr: a.Addr}, 0), a.password)
}

// DetectEngine reads @@version and @@version_comment.
func DetectEngine(ctx context.Context, q Queryer) (Engine, error) {
	rows, err := queryRows(ctx, q, "SELECT @@version AS version, @@version_comment AS version_comment")
	if err != nil {
		return Engine{}, fmt.Errorf("detect server version: %w", err)
	}
	if len(rows) == 0 {
		return Engine{}, fmt.Errorf("detect server version: no row")
	}
	return ParseEngine(rows[0].text("version"), rows[0].text("version_comment")), nil
}
