package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fivelayer/triage/probes/lab/daemons"
)

// What a fault needs (Fault.Needs) and the instance's job names.
const (
	needsMariaDB = "mariadb"
	needsRedis   = "redis"

	jobDeadlock = "deadlock-batch"
	jobCPUHog   = "cpu-hog"
)

// instanceFaults are the faults that live inside invoice-api's process: a
// restart of the instance ends them.
var instanceFaults = []string{"app-cpu-hog", "db-connection-flood", "redis-client-flood", "deadlock-storm", "port-closed", "503-storm"}

// unavailable says why the part of the lab a fault needs is missing, "" when
// it is there.
func (e *Estate) unavailable(needs string) string {
	switch {
	case needs == needsMariaDB && e.data.dbErr != nil:
		return "no database in this lab: " + oneLine(e.data.dbErr)
	case needs == needsRedis && e.data.cacheErr != nil:
		return "no cache in this lab: " + oneLine(e.data.cacheErr)
	}
	return ""
}

// activeLocked is whether d is on: switched on and, where it can be read,
// still holding. Called with e.mu held.
func (e *Estate) activeLocked(d faultDef) bool {
	if !e.active[d.Key] {
		return false
	}
	return d.live == nil || d.live(e)
}

// rootDB opens a root pool to s for one fault's statements.
func rootExec(ctx context.Context, s *daemons.MariaDB, stmts ...string) error {
	db, err := sql.Open("mysql", s.RootDSN()+"?timeout=2s")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s on %s: %w", q, s.Addr(), err)
		}
	}
	return nil
}

// primaryServer is the current primary, running.
func (e *Estate) primaryServer() (*daemons.MariaDB, error) {
	name, s := e.data.current()
	if s == nil || !s.Running() {
		return nil, fmt.Errorf("%s (the primary) is not running", name)
	}
	return s, nil
}

// blocker is the lock-wait fault's session: a transaction that updated the
// hot counter rows and then sleeps, never committing.
type blocker struct {
	db     *sql.DB
	cancel context.CancelFunc
	done   chan struct{}
}

func (e *Estate) setLockWait(on bool) error {
	if !on {
		if b := e.blocker; b != nil {
			b.cancel()
			<-b.done
			e.blocker = nil
		}
		return nil
	}
	s, err := e.primaryServer()
	if err != nil {
		return err
	}
	db, err := sql.Open("mysql", jobDSN(s))
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	tctx, tcancel := context.WithTimeout(ctx, 5*time.Second)
	defer tcancel()
	tx, err := db.BeginTx(ctx, nil)
	if err == nil {
		_, err = tx.ExecContext(tctx, "UPDATE counter SET n = n + 1 WHERE name IN ('invoice-list', 'invoice-number')")
	}
	if err != nil {
		cancel()
		_ = db.Close()
		return fmt.Errorf("blocker: %w", err)
	}
	b := &blocker{db: db, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		defer db.Close()
		defer func() { _ = tx.Rollback() }()
		for ctx.Err() == nil {
			// A month-end report in the same transaction. KILL QUERY ends the
			// sleep but not the transaction: the report runs the next one.
			if _, err := tx.ExecContext(ctx, "SELECT SLEEP(3600) /* month-end report */"); err != nil {
				if ctx.Err() != nil {
					return
				}
				if _, err := tx.ExecContext(ctx, "DO 0"); err != nil {
					return // the connection was killed: the locks went with it
				}
			}
		}
	}()
	e.blocker = b
	return nil
}

// blockerAlive reports whether the lock-wait fault's session still holds its locks.
func (e *Estate) blockerAlive() bool {
	if e.blocker == nil {
		return false
	}
	select {
	case <-e.blocker.done:
		return false
	default:
		return true
	}
}

func (e *Estate) setDeadlockStorm(on bool) error {
	if !on {
		e.inst.stopJob(jobDeadlock)
		return nil
	}
	s, err := e.primaryServer()
	if err != nil {
		return err
	}
	orders := make(chan [2]int, 2)
	orders <- [2]int{10001, 10002}
	orders <- [2]int{10002, 10001}
	dsn := appDSN(s)
	e.inst.startJob(jobDeadlock, 2, func(stop <-chan struct{}) {
		deadlockWorker(dsn, <-orders, stop)
	})
	return nil
}

// deadlockWorker updates two invoices in the given order in a loop, a
// moment apart, until stop: two of them in opposite orders deadlock.
func deadlockWorker(dsn string, order [2]int, stop <-chan struct{}) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-stop; cancel() }()
	pause := func(d time.Duration) bool {
		select {
		case <-stop:
			return false
		case <-time.After(d):
			return true
		}
	}
	for ctx.Err() == nil {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			if !pause(200 * time.Millisecond) {
				return
			}
			continue
		}
		_, err = tx.ExecContext(ctx, "UPDATE invoice SET views = views + 1 WHERE id = ?", order[0])
		if err == nil && pause(150*time.Millisecond) {
			_, err = tx.ExecContext(ctx, "UPDATE invoice SET views = views + 1 WHERE id = ?", order[1])
		}
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
		if !pause(50 * time.Millisecond) {
			return
		}
	}
}

func (e *Estate) setDBFlood(on bool) error {
	if !on {
		e.inst.dropDB()
		return nil
	}
	s, err := e.primaryServer()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return e.inst.leakDB(ctx, s, labMaxConnections+5)
}

func (e *Estate) setRedisFlood(on bool) error {
	if !on {
		e.inst.dropRedis()
		return nil
	}
	return e.inst.leakRedis(e.data.redis.Addr, labMaxClients+5)
}

func (e *Estate) setSQLThread(on bool) error {
	name, _ := e.data.current()
	s := e.data.server(other(name))
	if s == nil || !s.Running() {
		return fmt.Errorf("%s (the replica) is not running", other(name))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if on {
		return rootExec(ctx, s, "STOP SLAVE SQL_THREAD")
	}
	return rootExec(ctx, s, "START SLAVE SQL_THREAD")
}

// setPrimaryDown shuts the primary down once its replica has received
// everything; clearing it starts it again: as the primary when nobody
// took over, else as a read-only replica of the new primary.
func (e *Estate) setPrimaryDown(on bool) error {
	if on {
		name, s := e.data.current()
		if s == nil || !s.Running() {
			return fmt.Errorf("%s (the primary) is not running", name)
		}
		e.downed = name
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = rootExec(ctx, s, "SHUTDOWN WAIT FOR ALL SLAVES") // the connection ends with the server
		deadline := time.Now().Add(20 * time.Second)
		for s.Running() && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if s.Running() {
			return s.Stop()
		}
		return nil
	}
	name := e.downed
	s := e.data.server(name)
	if s == nil || s.Running() {
		return nil
	}
	now, np := e.data.current()
	if now == name {
		return s.Restart("--read-only=OFF")
	}
	if err := s.Restart("--read-only=ON"); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return replicate(ctx, s, np, "current_pos")
}

func (e *Estate) setCPUHog(on bool) error {
	if on {
		e.inst.startJob(jobCPUHog, hogThreads, e.inst.hog)
	} else {
		e.inst.stopJob(jobCPUHog)
	}
	return nil
}

// ErrUnknownComponent is returned by Restart and MoveTraffic for a name the
// lab cannot act on.
var ErrUnknownComponent = errors.New("no such lab component")

// Restart restarts a lab process the way its unit would: invoice-api's
// instance (its port goes down, its jobs and leaked connections end, it
// comes back), or a MariaDB server (stopped cleanly and started again in
// the role it has now). It is what the guard's restart action runs,
// through `triage lab restart NAME`.
func (e *Estate) Restart(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errClosed
	}
	switch name {
	case appName:
		if err := e.port.set(portClosed); err != nil {
			return err
		}
		e.inst.stopAll()
		e.app.faults.storm.Store(false)
		for _, k := range instanceFaults {
			e.active[k] = false
		}
		e.inst.mu.Lock()
		e.inst.restarts++
		e.inst.mu.Unlock()
		return e.applyPort()
	case dbPrimary, dbReplica:
		s := e.data.server(name)
		if s == nil {
			return fmt.Errorf("%w %q: %s", ErrUnknownComponent, name, e.unavailable(needsMariaDB))
		}
		now, _ := e.data.current()
		if err := s.Stop(); err != nil {
			return err
		}
		ro := "--read-only=ON"
		if now == name {
			ro = "--read-only=OFF"
		}
		if err := s.Restart(ro); err != nil {
			return err
		}
		if name != now {
			e.active["replica-sql-stopped"] = false // the slave threads start with the server
		}
		return nil
	}
	return fmt.Errorf("%w %q (restartable: %s, %s, %s)", ErrUnknownComponent, name, appName, dbPrimary, dbReplica)
}

// MoveTraffic points invoice-api's pool at name: the switchover's traffic
// hook, run by the guard through `triage lab traffic NAME`.
func (e *Estate) MoveTraffic(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errClosed
	}
	s := e.data.server(name)
	if s == nil {
		return fmt.Errorf("%w %q", ErrUnknownComponent, name)
	}
	if !s.Running() {
		return fmt.Errorf("%s is not running", name)
	}
	if err := e.app.store.point(name, s); err != nil {
		return err
	}
	e.data.mu.Lock()
	e.data.primary = name
	e.data.mu.Unlock()
	return nil
}
