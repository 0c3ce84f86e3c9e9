package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/fivelayer/triage/probes"
)

// Check names, as they appear in check ids and threshold keys (mysql.<name>).
const (
	CheckConnections      = "connections"
	CheckLockWaits        = "lock_waits"
	CheckDeadlocks        = "deadlocks"
	CheckLongTransactions = "long_transactions"
	CheckHistoryLength    = "history_length"
	CheckReplication      = "replication"
	CheckReadOnly         = "read_only"
	CheckFragmentation    = "fragmentation"
	CheckAuthFailures     = "auth_failures"
)

// checks is the display order. Reachability lives in connections, so only it
// turns crit on a timeout; the others cannot see and turn unknown.
var checks = []probes.Check{
	{Name: CheckConnections, Layer: probes.Data, OnTimeout: probes.Crit, Rate: true},
	{Name: CheckLockWaits, Layer: probes.Data, OnTimeout: probes.Unknown},
	{Name: CheckDeadlocks, Layer: probes.Data, OnTimeout: probes.Unknown, Rate: true},
	{Name: CheckLongTransactions, Layer: probes.Data, OnTimeout: probes.Unknown},
	{Name: CheckHistoryLength, Layer: probes.Data, OnTimeout: probes.Unknown},
	{Name: CheckReplication, Layer: probes.Data, OnTimeout: probes.Unknown},
	{Name: CheckReadOnly, Layer: probes.Data, OnTimeout: probes.Unknown},
	{Name: CheckFragmentation, Layer: probes.Data, OnTimeout: probes.Unknown, Latent: true},
	{Name: CheckAuthFailures, Layer: probes.Security, OnTimeout: probes.Unknown, Rate: true, UserFacing: true},
}

// Default thresholds (the runbook's values where it gives one, docs/config.md, else
// docs/sql.md). Every one is read through Spec.Threshold so config wins.
var (
	// DefaultConnections is Threads_connected/max_connections in percent.
	DefaultConnections = probes.Above(80, 90)
	// DefaultLockWaits is the longest row-lock wait in seconds; any wait is at
	// least warn while Warn is 0.
	DefaultLockWaits = probes.Above(0, 10)
	// DefaultLongTransactions is the oldest transaction's age in seconds.
	DefaultLongTransactions = probes.Above(60, 300)
	// DefaultHistoryLength is InnoDB's history list length (undo logs).
	DefaultHistoryLength = probes.Above(100_000, 1_000_000)
	// DefaultReplicationLag is Seconds_Behind_Master minus SQL_Delay, in seconds.
	DefaultReplicationLag = probes.Above(30, 300)
	// DefaultFragmentation is DATA_FREE's share of a table in percent (tables
	// with at least fragmentationFloor bytes free only); warn at most.
	DefaultFragmentation = probes.Threshold{Warn: probes.V(30)}
	// DefaultAuthFailures is rejected logins per minute.
	DefaultAuthFailures = probes.Above(10, 50)
)

// MySQLKind is the registry entry for `kind: mysql`.
var MySQLKind = probes.Kind{
	Name:       "mysql",
	Thresholds: map[string]probes.Threshold{"connections": DefaultConnections, "lock_waits": DefaultLockWaits, "deadlocks": DefaultDeadlocks, "long_transactions": DefaultLongTransactions, "history_length": DefaultHistoryLength, "replication": DefaultReplicationLag, "fragmentation": DefaultFragmentation, "auth_failures": DefaultAuthFailures},
	Doc: "MySQL/MariaDB: connections, lock waits with the blocking chain, deadlocks, long transactions, " +
		"history length, replication, read_only role, fragmentation; rejected logins",
	Required: [][]string{{"dsn_env", "dsn_file", "dsn"}},
	Allowed:  []string{"dsn_env", "dsn_file", "dsn"},
	Checks:   checks,
	New:      func(s probes.Spec) (probes.Probe, error) { return New(s), nil },
}

// Probe is one MySQL/MariaDB server. It holds a small connection pool, opened
// on the first Run, and the previous samples of the counters it rates.
type Probe struct {
	spec probes.Spec
	now  func() time.Time

	mu       sync.Mutex // guards db against Close during Run
	db       *sql.DB
	tgt      target
	password string

	engine      Engine
	engineKnown bool

	maxConnErrors probes.RateWindow
	accessDenied  probes.RateWindow
	aborted       probes.RateWindow
	abortedPre    probes.RateWindow
	prevHLL       *int64
	frag          fragCache
	deadlockRate  probes.RateWindow
	dl            deadlockCache
	// recent overrides DefaultDeadlockRecent (tests).
	recent time.Duration

	// varNames are the variables the snapshot reads, found by the last SHOW
	// GLOBAL VARIABLES (nil: read them again); varSample is that read.
	varNames   []string
	varSample  map[string]string
	lastUptime float64
	snapErr    error // the snapshot was refused: statement per source until snapshotRetry
	snapErrAt  time.Time
	repl       replCache
}

var (
	_ probes.Probe  = (*Probe)(nil)
	_ probes.Closer = (*Probe)(nil)
)

// New builds a probe; nothing connects until the first Run.
func New(s probes.Spec) *Probe { return &Probe{spec: s, now: time.Now} }

// Checks lists the checks Run yields.
func (p *Probe) Checks() []probes.Check { return checks }

// Engine returns the detected server flavour (false before the first
// successful round).
func (p *Probe) Engine() (Engine, bool) { return p.engine, p.engineKnown }

// Close closes the connection pool.
func (p *Probe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db == nil {
		return nil
	}
	err := p.db.Close()
	p.db = nil
	return err
}

// Run takes one sample of the server and grades every check.
func (p *Probe) Run(ctx context.Context) []probes.Result {
	r := p.collect(ctx)
	return p.evaluate(r)
}

// pool returns the probe's *sql.DB, opening it on first use. The driver's
// dial/read/write timeouts come from the first round's deadline (a backstop:
// every statement also runs under ctx).
func (p *Probe) pool(ctx context.Context) (*sql.DB, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db != nil {
		return p.db, nil
	}
	dsn, err := p.spec.DSNValue()
	if err != nil {
		return nil, fmt.Errorf("mysql probe: %w", err)
	}
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql probe: invalid DSN (want user:password@tcp(host:port)/db): %s",
			redact(redact(err.Error(), dsn), passwordOf(dsn)))
	}
	io := p.spec.EffectiveTimeout()
	if dl, ok := ctx.Deadline(); ok {
		io = time.Until(dl)
	}
	io = min(max(io, 500*time.Millisecond), 30*time.Second)
	if cfg.Timeout == 0 {
		cfg.Timeout = io
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = io
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = io
	}
	cfg.Logger = &driver.NopLogger{} // the driver would print to stderr, over the screen
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql probe: %s", redact(err.Error(), cfg.Passwd))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(time.Minute)
	db.SetConnMaxIdleTime(time.Minute)
	p.db, p.password = db, cfg.Passwd
	p.tgt = target{user: cfg.User, addr: cfg.Addr}
	if cfg.Net == "unix" {
		p.tgt.addr = "socket " + cfg.Addr
	}
	return db, nil
}

// passwordOf finds the password in a DSN that did not parse, so a parse
// error quoting it can be redacted: user:password@…
func passwordOf(dsn string) string {
	at := -1
	for i := len(dsn) - 1; i >= 0; i-- {
		if dsn[i] == '@' {
			at = i
			break
		}
	}
	if at < 0 {
		return ""
	}
	for i := 0; i < at; i++ {
		if dsn[i] == ':' {
			return dsn[i+1 : at]
		}
	}
	return ""
}
