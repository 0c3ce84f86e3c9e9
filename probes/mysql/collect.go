package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// round is what one Run read from the server, before any grading. A nil
// error with empty data means the step did not need to run.
type round struct {
	start      time.Time
	statements int // statements sent this round (the probe's own cost)

	setupErr error // no DSN, bad DSN: nothing was tried
	connErr  error // could not connect, authenticate or run the first statement
	dead     error // the connection failed mid-round: later steps were skipped

	vars   map[string]string
	status map[string]string
	// statusErr covers status and vars (no privilege needed: a failure is the connection's).
	statusErr error

	trx            []row
	trxTotal       int64
	trxLockWaiting int64
	trxErr         error

	waits    []LockWait
	waitsRan bool
	waitsErr error

	procs    []row
	procsErr error

	replicas []row
	replErr  error

	hll       int64
	hllKnown  bool
	hllSource string
	hllErr    error

	frag fragCache
}

// run sends one statement unless the round is already dead, counting it.
// A failure that is not a per-statement refusal kills the rest of the round.
func (p *Probe) run(ctx context.Context, r *round, q Queryer, query string, args ...any) ([]row, error) {
	if r.dead != nil {
		return nil, r.dead
	}
	r.statements++
	rows, err := queryRows(ctx, q, query, args...)
	if err != nil && !isStatementError(err) {
		r.dead = err
	}
	return rows, err
}

func (p *Probe) runNameValue(ctx context.Context, r *round, q Queryer, query string) (map[string]string, error) {
	if r.dead != nil {
		return nil, r.dead
	}
	r.statements++
	m, err := queryNameValue(ctx, q, query)
	if err != nil && !isStatementError(err) {
		r.dead = err
	}
	return m, err
}

// isStatementError is a server error about one statement: the connection
// itself is still usable.
func isStatementError(err error) bool {
	var me *driver.MySQLError
	return errors.As(err, &me) && me.Number != erTooManyConnections && me.Number != erAccessDenied
}

// collect runs one round's statements on one pooled connection:
//
//	1 SHOW GLOBAL VARIABLES (engine, limits, read_only, GTID)
//	2 SHOW GLOBAL STATUS    (gauges and counters; MariaDB's history length)
//	3 INNODB_TRX            (long transactions; how many wait for a lock)
//	4 lock waits            (only when some transaction is in LOCK WAIT)
//	5 PROCESSLIST top 10
//	6 SHOW … REPLICA STATUS
//	7 INNODB_METRICS        (only where status has no history length: MySQL)
//	8 information_schema.TABLES (fragmentation, at most every 10 minutes)
//
// So a quiet MariaDB round costs 5 statements, a MySQL round 6, at most 8.
func (p *Probe) collect(ctx context.Context) *round {
	r := &round{start: p.now(), frag: p.frag}
	db, err := p.pool(ctx)
	if err != nil {
		r.setupErr = err
		return r
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		r.connErr = p.deadlineFirst(ctx, r.start, err)
		return r
	}
	defer conn.Close()

	r.vars, err = p.runNameValue(ctx, r, conn, variablesSQL)
	if err != nil {
		r.connErr = p.deadlineFirst(ctx, r.start, err)
		return r
	}
	if !p.engineKnown {
		p.engine, p.engineKnown = ParseEngine(r.vars["version"], r.vars["version_comment"]), true
	}
	r.status, r.statusErr = p.runNameValue(ctx, r, conn, statusSQL)
	p.collectDeadlock(ctx, r, conn)

	p.collectTrx(ctx, r, conn)
	r.procs, r.procsErr = p.run(ctx, r, conn, processlistSQL)
	r.replicas, r.replErr = p.run(ctx, r, conn, p.engine.replicaStatusSQL())
	p.collectHistory(ctx, r, conn)
	p.collectFragmentation(ctx, r, conn)
	return r
}

func (p *Probe) collectTrx(ctx context.Context, r *round, conn *sql.Conn) {
	r.trx, r.trxErr = p.run(ctx, r, conn, trxSQL)
	if r.trxErr != nil {
		r.waitsErr = r.trxErr
		return
	}
	if len(r.trx) > 0 {
		r.trxTotal = r.trx[0].num("trx_total")
		r.trxLockWaiting = r.trx[0].num("trx_lock_waiting")
	}
	if r.trxLockWaiting == 0 {
		return
	}
	rows, err := p.run(ctx, r, conn, p.engine.lockWaitsSQL())
	r.waitsRan, r.waitsErr = true, err
	for _, row := range rows {
		r.waits = append(r.waits, lockWaitFromRow(row))
	}
}

func (p *Probe) collectHistory(ctx context.Context, r *round, conn *sql.Conn) {
	if v, ok := r.status["innodb_history_list_length"]; ok && r.statusErr == nil {
		if n, ok := (row{"v": &v}).int("v"); ok {
			r.hll, r.hllKnown, r.hllSource = n, true, "Innodb_history_list_length"
			return
		}
	}
	rows, err := p.run(ctx, r, conn, historyMetricsSQL)
	switch {
	case err != nil:
		r.hllErr = err
	case len(rows) == 0:
		r.hllErr = errors.New("INNODB_METRICS has no trx_rseg_history_len")
	default:
		en := rows[0].text("status", "enabled")
		if en != "" && en != "enabled" && en != "1" {
			r.hllErr = errors.New("INNODB_METRICS trx_rseg_history_len is disabled " +
				"(SET GLOBAL innodb_monitor_enable='trx_rseg_history_len')")
			return
		}
		r.hll, r.hllKnown, r.hllSource = rows[0].num("count"), true, "INNODB_METRICS trx_rseg_history_len"
	}
}

func (p *Probe) collectFragmentation(ctx context.Context, r *round, conn *sql.Conn) {
	if !p.frag.at.IsZero() && r.start.Sub(p.frag.at) < fragmentationEvery {
		return
	}
	rows, err := p.run(ctx, r, conn, fragmentationSQL)
	if err != nil && r.dead != nil {
		return // a timeout is not cached: try again next round
	}
	p.frag = fragCache{rows: rows, err: err, at: r.start}
	r.frag = p.frag
}

// deadlineFirst reports a failure that happened because time ran out as the
// timeout it is: the driver answers a read that hit its read timeout, or a
// cancelled read, with "invalid connection", which would read as "connection lost".
func (p *Probe) deadlineFirst(ctx context.Context, start time.Time, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	outOfTime := errors.Is(ctx.Err(), context.DeadlineExceeded)
	if dl, ok := ctx.Deadline(); ok && errors.Is(err, driver.ErrInvalidConn) {
		// the driver's read timeout is set to the round's deadline and may fire a hair earlier
		outOfTime = outOfTime || time.Until(dl) < max(dl.Sub(start)/10, 50*time.Millisecond)
	}
	if outOfTime {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}
