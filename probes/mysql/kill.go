package mysql

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// ErrIdentityChanged is returned by KillThread when the session no longer
// holds the transaction the operator confirmed.
var ErrIdentityChanged = errors.New("session no longer holds the previewed transaction")

// DefaultMaxRowsModified is the rollback cost above which a kill is refused
// (docs/sql.md §6 step 3).
const DefaultMaxRowsModified = 100_000

// CurrentLockWaits reads the row-lock wait edges now (docs/sql.md §2a or §2b by engine).
func CurrentLockWaits(ctx context.Context, q Queryer, e Engine) ([]LockWait, error) {
	rows, err := queryRows(ctx, q, e.lockWaitsSQL())
	if err != nil {
		return nil, fmt.Errorf("read lock waits: %w", err)
	}
	out := make([]LockWait, 0, len(rows))
	for _, r := range rows {
		out = append(out, lockWaitFromRow(r))
	}
	return out, nil
}

// WaitersOf lists the sessions waiting directly for thread, sorted.
func WaitersOf(waits []LockWait, thread int64) []int64 {
	var out []int64
	for _, w := range waits {
		if w.BlockingThread == thread && !slices.Contains(out, w.WaitingThread) {
			out = append(out, w.WaitingThread)
		}
	}
	slices.Sort(out)
	return out
}

// KillState is what verification sees of a killed session.
type KillState struct {
	// Present is true while PROCESSLIST still lists the thread (Killed, rolling back).
	Present bool
	// Command and TrxState are its current values while present.
	Command, TrxState string
	// HasTrx is true while INNODB_TRX holds a transaction for the thread.
	HasTrx bool
	// Info is the running statement, empty when idle.
	Info string
	// Waiters are sessions still waiting directly for the thread.
	Waiters []int64
	// StillWaiting are former waiters (as passed in) that still wait for anyone.
	StillWaiting []int64
}

// ReadKillState reads the state of thread and of its former waiters.
func ReadKillState(ctx context.Context, q Queryer, e Engine, thread int64, former []int64) (KillState, error) {
	var st KillState
	rows, err := queryRows(ctx, q, `SELECT p.COMMAND AS command, p.INFO AS info, t.trx_state
FROM information_schema.PROCESSLIST p
LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID WHERE p.ID = ?`, thread)
	if err != nil {
		return st, fmt.Errorf("read thread %d: %w", thread, err)
	}
	if len(rows) > 0 {
		st.Present, st.Command, st.Info, st.TrxState = true, rows[0].text("command"), rows[0].text("info"), rows[0].text("trx_state")
	}
	trx, err := queryRows(ctx, q, `SELECT trx_state FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ?`, thread)
	if err != nil {
		return st, fmt.Errorf("read transactions of thread %d: %w", thread, err)
	}
	st.HasTrx = len(trx) > 0
	waits, err := CurrentLockWaits(ctx, q, e)
	if err != nil {
		return st, err
	}
	st.Waiters = WaitersOf(waits, thread)
	for _, w := range waits {
		if slices.Contains(former, w.WaitingThread) && !slices.Contains(st.StillWaiting, w.WaitingThread) {
			st.StillWaiting = append(st.StillWaiting, w.WaitingThread)
		}
	}
	slices.Sort(st.StillWaiting)
	return st, nil
}
