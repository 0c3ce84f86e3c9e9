package mysql

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoThread is returned when a session no longer exists.
var ErrNoThread = errors.New("no such session")

// ThreadIdentity pins a session as it was at diagnosis. A connection id is
// only unique among connected clients and pooled sessions share user and
// host, so only the transaction (id and start) proves it is the same one
// before anything is done to it (docs/sql.md §6).
type ThreadIdentity struct {
	ThreadID     int64
	User         string
	Host         string
	Command      string
	TrxID        string // empty when the session has no transaction
	TrxStarted   string
	TrxState     string
	RowsModified int64 // approximates the rollback work a kill causes
}

// Same reports whether o is still the session and transaction of id.
func (id ThreadIdentity) Same(o ThreadIdentity) bool {
	return id.ThreadID == o.ThreadID && id.TrxID == o.TrxID && id.TrxStarted == o.TrxStarted
}

// LookupThread reads thread's identity with one read-only query; it returns
// ErrNoThread when the session is gone. Needs PROCESS to see other users'
// sessions.
func LookupThread(ctx context.Context, q Queryer, thread int64) (ThreadIdentity, error) {
	rows, err := queryRows(ctx, q, threadIdentitySQL, thread)
	if err != nil {
		return ThreadIdentity{}, fmt.Errorf("look up thread %d: %w", thread, err)
	}
	if len(rows) == 0 {
		return ThreadIdentity{}, fmt.Errorf("thread %d: %w", thread, ErrNoThread)
	}
	r := rows[0]
	return ThreadIdentity{
		ThreadID: r.num("id"), User: r.text("user"), Host: r.text("host"), Command: r.text("command"),
		TrxID: r.text("trx_id"), TrxStarted: r.text("trx_started"), TrxState: r.text("trx_state"),
		RowsModified: r.num("trx_rows_modified"),
	}, nil
}

// LookupThread reads a session's identity through the probe's own pool.
func (p *Probe) LookupThread(ctx context.Context, thread int64) (ThreadIdentity, error) {
	db, err := p.pool(ctx)
	if err != nil {
		return ThreadIdentity{}, err
	}
	return LookupThread(ctx, db, thread)
}
