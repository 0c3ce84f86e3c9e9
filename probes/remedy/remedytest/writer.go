package remedytest

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	// The driver for the writer's connections.
	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
)

// Writer inserts rows with increasing ids, one every few milliseconds, into
// the database that nginx currently routes to, and remembers which commits
// were acknowledged. The table must have columns (id BIGINT PRIMARY KEY,
// via VARCHAR).
type Writer struct {
	mu     sync.Mutex
	acked  []int64
	failed int
	last   error
	stop   chan struct{}
	done   chan struct{}
}

// StartWriter starts writing to table; dsns maps what nginx answers
// ("primary", "standby") to a DSN. It stops in t.Cleanup, or at Halt.
func StartWriter(t testing.TB, front *Nginx, dsns map[string]string, table string) *Writer {
	t.Helper()
	dbs := map[string]*sql.DB{}
	for name, dsn := range dsns {
		db, err := sql.Open("mysql", dsn)
		require.NoError(t, err)
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { _ = db.Close() })
		dbs[name] = db
	}
	w := &Writer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for id := int64(1); ; id++ {
			select {
			case <-w.stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			via := front.Answer()
			db := dbs[via]
			if db == nil {
				w.record(id, fmt.Errorf("nginx answered %q", via))
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err := db.ExecContext(ctx, "INSERT INTO "+table+" (id, via) VALUES (?, ?)", id, via)
			cancel()
			w.record(id, err)
		}
	}()
	t.Cleanup(w.Halt)
	return w
}

func (w *Writer) record(id int64, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.failed, w.last = w.failed+1, err
		return
	}
	w.acked = append(w.acked, id)
}

// Halt stops writing and waits for the last insert to return. It is safe to
// call twice.
func (w *Writer) Halt() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

// Acked returns the ids whose commits were acknowledged.
func (w *Writer) Acked() []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int64(nil), w.acked...)
}

// Failed returns how many inserts failed and the last error.
func (w *Writer) Failed() (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed, w.last
}

// Missing returns the acknowledged ids that db does not hold in table.
func Missing(t testing.TB, db *sql.DB, table string, acked []int64) []int64 {
	t.Helper()
	got := map[int64]bool{}
	rows, err := db.Query("SELECT id FROM " + table)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		got[id] = true
	}
	require.NoError(t, rows.Err())
	var missing []int64
	for _, id := range acked {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	return missing
}
