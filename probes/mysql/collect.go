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

	// replicaChannels is MySQL 8's configured channel count, from the snapshot.
	replicaChannels *int64
	// hllMetrics is INNODB_METRICS' history row, from the snapshot (MySQL).
	hllMetrics []row

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

// collect runs one round's statements on one pooled connection. On MariaDB
// 10.5+ and MySQL 8 a round is:
//
//	1 the snapshot SELECT    (status, variables, transactions, process list;
//	                          the fragmentation scan folded in every 10 minutes)
//	2 lock waits             (only when some transaction is in LOCK WAIT)
//	3 SHOW … REPLICA STATUS  (every round on a replica; elsewhere once a
//	                          minute, or at once when the server starts replicating)
//	4 SHOW ENGINE INNODB STATUS (only when Innodb_deadlocks moved)
//
// So a quiet primary costs 1 statement a round (2 once a minute), a quiet
// replica 2, either 3 with lock waits, one more in a round where a deadlock
// happened. The first round, and the first after a restart, also sends SHOW
// GLOBAL VARIABLES: it detects the engine and which variables exist, which
// the snapshot then reads as @@global scalars every round.
//
// Older servers, and accounts the snapshot is refused to (it reads
// INNODB_TRX, which needs PROCESS), send a statement per source:
// variables, status, INNODB_TRX, process list, replica status, and on MySQL
// INNODB_METRICS; the fallback is retried every snapshotRetry.
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

	if !p.engineKnown || p.varNames == nil {
		r.vars, err = p.runNameValue(ctx, r, conn, variablesSQL)
		if err != nil {
			r.connErr = p.deadlineFirst(ctx, r.start, err)
			return r
		}
		p.engine, p.engineKnown = ParseEngine(r.vars["version"], r.vars["version_comment"]), true
		p.varNames, p.varSample = snapshotVarNames(r.vars), r.vars
	}
	fragDue := p.frag.at.IsZero() || r.start.Sub(p.frag.at) >= fragmentationEvery
	snapped := false
	if p.engine.snapshotCapable() && (p.snapErr == nil || r.start.Sub(p.snapErrAt) >= snapshotRetry) {
		err := p.collectSnapshot(ctx, r, conn, fragDue)
		switch {
		case err == nil:
			snapped, p.snapErr = true, nil
		case r.dead != nil && fragDue:
			// The scan opens every table: if it is what ran out of time, the
			// next rounds must not carry it. Tried again in a minute.
			p.frag = fragCache{err: err, at: r.start.Add(time.Minute - fragmentationEvery)}
			fallthrough
		case r.dead != nil:
			if r.statements == 1 {
				r.connErr = p.deadlineFirst(ctx, r.start, err)
				return r
			}
			r.statusErr, r.trxErr, r.waitsErr, r.procsErr, r.hllErr, r.replErr = err, err, err, err, err, err
			return r
		default:
			p.snapErr, p.snapErrAt = err, r.start // refused: a statement per source below
		}
	}
	if snapped {
		p.collectWaits(ctx, r, conn)
	} else if !p.collectEach(ctx, r, conn, fragDue) {
		return r
	}
	p.noticeRestart(r)
	p.collectDeadlock(ctx, r, conn)
	p.collectReplicas(ctx, r, conn)
	p.collectHistory(ctx, r, conn)
	return r
}

// collectEach is the statement-per-source round; false when even the
// variables could not be read (the round is a connection failure).
func (p *Probe) collectEach(ctx context.Context, r *round, conn *sql.Conn, fragDue bool) bool {
	if r.vars == nil {
		vars, err := p.runNameValue(ctx, r, conn, variablesSQL)
		if err != nil {
			r.connErr = p.deadlineFirst(ctx, r.start, err)
			return false
		}
		r.vars = vars
	}
	r.status, r.statusErr = p.runNameValue(ctx, r, conn, statusSQL)
	r.trx, r.trxErr = p.run(ctx, r, conn, trxSQL)
	if r.trxErr != nil {
		r.waitsErr = r.trxErr
	} else if len(r.trx) > 0 {
		r.trxTotal = r.trx[0].num("trx_total")
		r.trxLockWaiting = r.trx[0].num("trx_lock_waiting")
	}
	p.collectWaits(ctx, r, conn)
	r.procs, r.procsErr = p.run(ctx, r, conn, processlistSQL)
	if fragDue {
		p.collectFragmentation(ctx, r, conn)
	}
	return true
}

// collectWaits reads the lock waits only when a transaction waits.
func (p *Probe) collectWaits(ctx context.Context, r *round, conn *sql.Conn) {
	if r.trxErr != nil || r.trxLockWaiting == 0 {
		return
	}
	rows, err := p.run(ctx, r, conn, p.engine.lockWaitsSQL())
	r.waitsRan, r.waitsErr = true, err
	for _, row := range rows {
		r.waits = append(r.waits, lockWaitFromRow(row))
	}
}

// noticeRestart makes the next round read SHOW GLOBAL VARIABLES again when
// the server restarted or changed version (an upgrade may add variables).
func (p *Probe) noticeRestart(r *round) {
	up, ok := atof(r.status["uptime"])
	if v, has := r.vars["version"]; has && v != p.engine.Version {
		p.varNames = nil
	}
	if ok && up < p.lastUptime {
		p.varNames = nil
	}
	if ok {
		p.lastUptime = up
	}
}

// collectReplicas sends SHOW … REPLICA STATUS every round on a server that
// had a replication channel at the last read (lag must stay fresh there),
// and elsewhere once a minute, or at once when status says a replica thread
// runs (MariaDB Slaves_running) or a channel is configured (MySQL 8).
func (p *Probe) collectReplicas(ctx context.Context, r *round, conn *sql.Conn) {
	if !replicaDue(p.repl, r) {
		r.replicas, r.replErr = p.repl.rows, p.repl.err
		return
	}
	r.replicas, r.replErr = p.run(ctx, r, conn, p.engine.replicaStatusSQL())
	if r.replErr != nil && r.dead != nil {
		return // a timeout is not cached: try again next round
	}
	p.repl = replCache{read: true, rows: r.replicas, err: r.replErr, at: r.start}
}

// replicaDue decides whether this round sends SHOW … REPLICA STATUS.
func replicaDue(c replCache, r *round) bool {
	if n, ok := atof(r.status["slaves_running"]); ok && n > 0 {
		return true
	}
	if r.replicaChannels != nil && *r.replicaChannels > 0 {
		return true
	}
	return !c.read || len(c.rows) > 0 || r.start.Sub(c.at) >= replicaRecheck
}

func (p *Probe) collectHistory(ctx context.Context, r *round, conn *sql.Conn) {
	if v, ok := r.status["innodb_history_list_length"]; ok && r.statusErr == nil {
		if n, ok := (row{"v": &v}).int("v"); ok {
			r.hll, r.hllKnown, r.hllSource = n, true, "Innodb_history_list_length"
			return
		}
	}
	rows, err := r.hllMetrics, error(nil)
	if rows == nil {
		rows, err = p.run(ctx, r, conn, historyMetricsSQL)
	}
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

// replCache is the last SHOW … REPLICA STATUS, reused on a server without
// channels between reads.
type replCache struct {
	read bool
	rows []row
	err  error
	at   time.Time
}

const (
	// replicaRecheck spaces SHOW … REPLICA STATUS on a server that is not a
	// replica: a channel configured but never started shows up within it.
	replicaRecheck = time.Minute
	// snapshotRetry spaces attempts at the snapshot after a refusal (a
	// privilege granted later is picked up).
	snapshotRetry = 10 * time.Minute
)
