package training

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/fivelayer/triage/probes/lab/daemons"
)

// The application's data access: its pool and timeouts, shortened for the lab.
const (
	appPoolMax      = 10
	appConnTimeout  = 2 * time.Second // Hikari's connectionTimeout
	appLockWait     = 3               // innodb_lock_wait_timeout of the application's sessions, seconds
	appConnLifetime = 2 * time.Second // Hikari's maxLifetime: connections are renewed, so a full server is felt at once
	cacheTimeout    = 2 * time.Second
	cacheTTL        = 30 // seconds an invoice stays cached
)

// store is how invoice-api reaches its database and cache: a pool to the
// current primary (moved by the traffic hook) and a new Redis connection
// per request, as a client without a pool does.
type store struct {
	mu     sync.RWMutex
	db     *sql.DB
	health *sql.DB // the health indicator's own connections: a busy pool does not slow /actuator/health
	target string  // the pair member the pool points at
	cache  string  // Redis address, "" without a cache

	wmu     sync.Mutex
	waiting int // requests waiting for a pooled connection
}

// appDSN is invoice-api's request pool's DSN on s: a statement that gets
// no answer in 10 s is abandoned (and its connection with it).
func appDSN(s *daemons.MariaDB) string {
	return jobDSN(s) + "&readTimeout=10s&writeTimeout=10s"
}

// jobDSN is invoice-api's DSN for its background jobs (the month-end
// report): no read timeout, its statements may run for an hour.
func jobDSN(s *daemons.MariaDB) string {
	return fmt.Sprintf("%s:%s@tcp(%s)/invoicing?timeout=1s&innodb_lock_wait_timeout=%d", appUser, appPassword, s.Addr(), appLockWait)
}

// point opens the pool to name's server and closes the previous one.
func (st *store) point(name string, s *daemons.MariaDB) error {
	db, err := sql.Open("mysql", appDSN(s))
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(appPoolMax)
	db.SetMaxIdleConns(appPoolMax)
	db.SetConnMaxLifetime(appConnLifetime)
	health, err := sql.Open("mysql", appDSN(s))
	if err != nil {
		_ = db.Close()
		return err
	}
	health.SetMaxOpenConns(2)
	health.SetConnMaxLifetime(appConnLifetime)
	st.mu.Lock()
	old, oldHealth := st.db, st.health
	st.db, st.health, st.target = db, health, name
	st.mu.Unlock()
	if old != nil {
		_ = old.Close()
		_ = oldHealth.Close()
	}
	return nil
}

func (st *store) pool() (*sql.DB, string) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.db, st.target
}

func (st *store) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.db != nil {
		_ = st.db.Close()
		_ = st.health.Close()
		st.db, st.health = nil, nil
	}
}

// requestError is a failed data call as the application reports it.
type requestError struct {
	code      int
	exception string
	message   string
}

func (e *requestError) Error() string { return e.exception + ": " + e.message }

// conn takes a pooled connection, waiting at most appConnTimeout.
func (st *store) conn(ctx context.Context) (*sql.Conn, error) {
	db, target := st.pool()
	if db == nil {
		return nil, nil
	}
	st.wmu.Lock()
	st.waiting++
	st.wmu.Unlock()
	defer func() { st.wmu.Lock(); st.waiting--; st.wmu.Unlock() }()
	cctx, cancel := context.WithTimeout(ctx, appConnTimeout)
	defer cancel()
	c, err := db.Conn(cctx)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return nil, &requestError{http.StatusInternalServerError, "SQLTransientConnectionException",
				poolName + " - Connection is not available, request timed out after 2000ms."}
		}
		return nil, dbError(err, target)
	}
	return c, nil
}

// dbError maps a driver error to what Spring answers with.
func dbError(err error, target string) error {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1205:
			return &requestError{http.StatusInternalServerError, "CannotAcquireLockException", me.Message}
		case 1213:
			return &requestError{http.StatusInternalServerError, "DeadlockLoserDataAccessException", me.Message}
		case 1040:
			return &requestError{http.StatusInternalServerError, "CannotGetJdbcConnectionException", "Too many connections (" + target + ")"}
		}
		return &requestError{http.StatusInternalServerError, "DataAccessException", me.Message}
	}
	return &requestError{http.StatusInternalServerError, "CannotGetJdbcConnectionException", oneLine(err)}
}

// tx runs fn in a transaction on a pooled connection.
func (st *store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	c, err := st.conn(ctx)
	if err != nil || c == nil {
		return err
	}
	defer c.Close()
	_, target := st.pool()
	t, err := c.BeginTx(ctx, nil)
	if err != nil {
		return dbError(err, target)
	}
	if err := fn(t); err != nil {
		_ = t.Rollback()
		if re := (*requestError)(nil); errors.As(err, &re) || errors.Is(err, errNotFound) {
			return err
		}
		return dbError(err, target)
	}
	if err := t.Commit(); err != nil {
		return dbError(err, target)
	}
	return nil
}

// errNotFound is a missing invoice.
var errNotFound = errors.New("no such invoice")

// listInvoices counts the listing on its hot counter row and reads the newest.
func (st *store) listInvoices(ctx context.Context) (any, error) {
	if err := st.cacheCmd(ctx, "INCR", "lab:invoice-list:hits"); err != nil {
		return nil, err
	}
	var out []map[string]any
	err := st.tx(ctx, func(t *sql.Tx) error {
		if _, err := t.ExecContext(ctx, "UPDATE counter SET n = n + 1 WHERE name = 'invoice-list'"); err != nil {
			return err
		}
		rows, err := t.QueryContext(ctx, "SELECT id, total FROM invoice ORDER BY id DESC LIMIT 5")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int
			var total float64
			if err := rows.Scan(&id, &total); err != nil {
				return err
			}
			out = append(out, map[string]any{"id": id, "total": total})
		}
		return rows.Err()
	})
	return out, err
}

// readInvoice reads one invoice (through the cache) and counts the view.
func (st *store) readInvoice(ctx context.Context, id string) (any, error) {
	if err := st.cacheCmd(ctx, "GET", "lab:invoice:"+id); err != nil {
		return nil, err
	}
	var total float64
	err := st.tx(ctx, func(t *sql.Tx) error {
		if err := t.QueryRowContext(ctx, "SELECT total FROM invoice WHERE id = ?", id).Scan(&total); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errNotFound
			}
			return err
		}
		_, err := t.ExecContext(ctx, "UPDATE invoice SET views = views + 1 WHERE id = ?", id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := st.cacheCmd(ctx, "SETEX", "lab:invoice:"+id, fmt.Sprint(cacheTTL), fmt.Sprint(total)); err != nil {
		return nil, err
	}
	return map[string]any{"id": id, "total": total}, nil
}

// createInvoice numbers a new invoice on the hot counter row and inserts it.
func (st *store) createInvoice(ctx context.Context) (int64, error) {
	var n int64
	err := st.tx(ctx, func(t *sql.Tx) error {
		if _, err := t.ExecContext(ctx, "UPDATE counter SET n = n + 1 WHERE name = 'invoice-number'"); err != nil {
			return err
		}
		if err := t.QueryRowContext(ctx, "SELECT n FROM counter WHERE name = 'invoice-number'").Scan(&n); err != nil {
			return err
		}
		_, err := t.ExecContext(ctx, "INSERT INTO invoice (id, customer, total) VALUES (?, 'ACME', 119.00)", n)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, st.cacheCmd(ctx, "DEL", "lab:invoice-list:page0")
}

// ping is the health indicator's database check, on its own connections.
func (st *store) ping(ctx context.Context) error {
	st.mu.RLock()
	db, target := st.health, st.target
	st.mu.RUnlock()
	if db == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, appConnTimeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return dbError(err, target)
	}
	return nil
}

// cacheCmd sends one command on a new connection and reads one reply, as
// a client without a pool does; an error reply or a refused connection is
// the application's RedisConnectionFailureException (503).
func (st *store) cacheCmd(ctx context.Context, args ...string) error {
	addr := st.cacheAddr()
	if addr == "" {
		return nil
	}
	fail := func(err error) error {
		return &requestError{http.StatusServiceUnavailable, "RedisConnectionFailureException", "Unable to connect to Redis: " + oneLine(err)}
	}
	d := net.Dialer{Timeout: cacheTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(cacheTimeout))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return fail(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fail(err)
	}
	if strings.HasPrefix(line, "-") {
		return fail(errors.New(strings.TrimSpace(line[1:])))
	}
	return nil
}

// cachePing is the health indicator's Redis check.
func (st *store) cachePing(ctx context.Context) error { return st.cacheCmd(ctx, "PING") }

// pending is how many requests wait for a pooled connection now.
func (st *store) pending() int {
	st.wmu.Lock()
	defer st.wmu.Unlock()
	return st.waiting
}

// inUse is how many pooled connections are in use now.
func (st *store) inUse() int {
	db, _ := st.pool()
	if db == nil {
		return 0
	}
	return db.Stats().InUse
}

// live reports whether the application has a database to use.
func (st *store) live() bool {
	db, _ := st.pool()
	return db != nil
}

// setCache sets the Redis address the application uses.
func (st *store) setCache(addr string) {
	st.mu.Lock()
	st.cache = addr
	st.mu.Unlock()
}

func (st *store) cacheAddr() string {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.cache
}
