package remedy

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes/mysql"
	"github.com/fivelayer/triage/probes/remedy/internal/dbchange"
)

// On MariaDB read_only does not stop accounts with READ_ONLY ADMIN (SUPER
// before 10.11): a root writer keeps committing on the old primary after
// the target position is read, and the two servers diverge. So a
// switchover also holds a global read lock on the old primary, taken
// before the target position is read and kept until the standby is
// promoted and traffic has moved, and kills the privileged sessions (the
// writes they wait to make would land on the old primary the moment the
// lock is released). MySQL's super_read_only stops them without either.

// lockWaitTimeout bounds FLUSH TABLES WITH READ LOCK's wait for statements
// already running on the primary (a variable for tests).
var lockWaitTimeout = 10 * time.Second

// writerLock is the connection that holds the global read lock.
type writerLock struct {
	conn *sql.Conn
	id   int64
}

// blocksWriters reports whether the plan takes the lock and kills (MariaDB).
func (a *switchAction) blocksWriters() bool { return a.engine.MariaDB && !a.failover }

// privilegedCheck lists the privileged sessions on the primary at the
// preview. It never refuses: the plan blocks them; it says who they are.
func (a *switchAction) privilegedCheck(ctx context.Context) Precondition {
	pc := Precondition{Name: "privileged sessions on primary", OK: true}
	if !a.blocksWriters() {
		pc.Want, pc.Got = "none that can write: super_read_only stops every account", "super_read_only is set in the plan"
		return pc
	}
	pc.Want = "listed: read_only does not stop them; the plan holds a global read lock and kills them"
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	missing, err := mysql.MissingAdminPrivileges(rctx, a.pa.DB)
	if err == nil && len(missing) > 0 {
		pc.OK, pc.Got = false, fmt.Sprintf("cannot see or stop them: %s lacks %s", a.pa.User, strings.Join(missing, " and "))
		return pc
	}
	ss, err := mysql.PrivilegedSessions(rctx, a.pa.DB)
	switch {
	case err != nil:
		pc.OK, pc.Got = false, "cannot list them: "+a.pa.Explain(err)
	case len(ss) == 0:
		pc.Got = "none"
	default:
		pc.Got = fmt.Sprintf("%d: %s", len(ss), sessionsText(ss))
	}
	return pc
}

func sessionsText(ss []mysql.Session) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return strings.Join(parts, "; ")
}

// lockCommands are the plan's lines for taking the lock and killing.
func (a *switchAction) lockCommands() []string {
	return []string{
		on(a.primary, fmt.Sprintf(dbchange.LockWaitStatement, int(lockWaitTimeout.Seconds()))+"; "+dbchange.GlobalReadLock+
			"  -- held on one connection until "+a.standby.Name+" is promoted and traffic moved"),
		on(a.primary, "KILL CONNECTION <each privileged session>  -- listed under the preconditions, re-read now"),
	}
}

func (a *switchAction) releaseCommands() []string {
	return []string{on(a.primary, fmt.Sprintf("KILL CONNECTION <each privileged session, until none connects for %s>; %s", drainQuiet, dbchange.ReleaseGlobalLock))}
}

// lockWriters takes the global read lock on a connection of its own and
// kills the privileged sessions, as two recorded steps.
func (a *switchAction) lockWriters(ctx context.Context, out *Outcome) error {
	P := a.primary.Name
	err := step(ctx, out, "hold a global read lock on "+P, dbchange.GlobalReadLock, func(ctx context.Context) (string, error) {
		conn, err := a.pa.DB.Conn(ctx)
		if err != nil {
			return "", fmt.Errorf("connect: %s", a.pa.Explain(err))
		}
		var id int64
		if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			_ = conn.Close()
			return "", fmt.Errorf("SELECT CONNECTION_ID(): %s", a.pa.Explain(err))
		}
		for _, st := range []string{fmt.Sprintf(dbchange.LockWaitStatement, int(lockWaitTimeout.Seconds())), dbchange.GlobalReadLock} {
			if _, err := conn.ExecContext(ctx, st); err != nil {
				_ = conn.Close()
				return "", fmt.Errorf("%s: %s", st, a.pa.Explain(err))
			}
		}
		a.lock = &writerLock{conn: conn, id: id}
		return fmt.Sprintf("held by connection %d: every write on %s waits", id, P), nil
	})
	if err != nil {
		return err
	}
	return a.killPrivileged(ctx, out, "kill privileged sessions on "+P)
}

// killPrivileged lists the privileged sessions on the lock's connection
// (so it is not among them) and kills them.
func (a *switchAction) killPrivileged(ctx context.Context, out *Outcome, name string) error {
	return step(ctx, out, name, "KILL CONNECTION …", func(ctx context.Context) (string, error) {
		if a.lock == nil {
			return "", fmt.Errorf("no global read lock held")
		}
		ss, err := mysql.PrivilegedSessions(ctx, a.lock.conn)
		if err != nil {
			return "", fmt.Errorf("%s", a.pa.Explain(err))
		}
		killed, err := dbchange.KillSessions(ctx, a.lock.conn, ss)
		if err != nil {
			return "", fmt.Errorf("%s", a.pa.Explain(err))
		}
		if len(killed) == 0 {
			return "none", nil
		}
		return fmt.Sprintf("killed %d: %s", len(killed), sessionsText(killed)), nil
	})
}

// drainQuiet is how long no privileged session may show up on the old
// primary before its lock is released; drainLimit bounds the whole drain.
// Traffic moves are not instant (nginx's old workers keep serving for a
// moment after a reload), so a writer may reconnect to the old primary
// after the traffic hook returned: its session waits on the lock and is
// killed, until clients have all moved.
var (
	drainQuiet = time.Second
	drainLimit = 15 * time.Second
)

// drain kills the privileged sessions on the old primary until none has
// appeared for drainQuiet, or drainLimit passes (then it says so).
func (a *switchAction) drain(ctx context.Context, out *Outcome) error {
	P := a.primary.Name
	return step(ctx, out, "kill privileged sessions on "+P+" until clients have moved", "KILL CONNECTION …", func(ctx context.Context) (string, error) {
		start := time.Now()
		var all []mysql.Session
		quietSince := time.Now()
		for {
			ss, err := mysql.PrivilegedSessions(ctx, a.lock.conn)
			if err == nil && len(ss) > 0 {
				var killed []mysql.Session
				killed, err = dbchange.KillSessions(ctx, a.lock.conn, ss)
				all = append(all, killed...)
				quietSince = time.Now()
			}
			if err != nil {
				return "", fmt.Errorf("%s", a.pa.Explain(err))
			}
			switch {
			case time.Since(quietSince) >= drainQuiet:
				if len(all) == 0 {
					return fmt.Sprintf("none in %s", time.Since(start).Round(100*time.Millisecond)), nil
				}
				return fmt.Sprintf("killed %d in %s: %s", len(all), time.Since(start).Round(100*time.Millisecond), sessionsText(all)), nil
			case time.Since(start) >= drainLimit:
				return "", fmt.Errorf("privileged sessions still connect to %s after %s (killed %d: %s): clients have not moved",
					P, drainLimit, len(all), sessionsText(all))
			}
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// releaseLock ends the global read lock. After a promotion (kill set) the
// privileged sessions are killed until clients have moved (drain): released,
// their waiting writes would land on the old primary. The lock goes with
// its connection in any case, even if UNLOCK TABLES fails.
func (a *switchAction) releaseLock(ctx context.Context, out *Outcome, kill bool) error {
	if a.lock == nil {
		return nil
	}
	P := a.primary.Name
	var kerr error
	if kill {
		kerr = a.drain(ctx, out)
	}
	l := a.lock
	a.lock = nil
	err := step(ctx, out, "release the global read lock on "+P, dbchange.ReleaseGlobalLock, func(ctx context.Context) (string, error) {
		_, err := l.conn.ExecContext(ctx, dbchange.ReleaseGlobalLock)
		cerr := l.conn.Close()
		if err != nil {
			return "connection closed: the lock went with it", nil
		}
		if cerr != nil {
			return "released; closing the connection failed: " + cerr.Error(), nil
		}
		return "released", nil
	})
	if kerr != nil {
		return kerr
	}
	return err
}
