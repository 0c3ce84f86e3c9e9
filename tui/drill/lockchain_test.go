package drill

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/mysql"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

// chainOf is the tree part of Evidence's output: from the chain header to
// the line before the waits table.
func chainOf(lines []string) []string {
	var out []string
	in := false
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		switch {
		case strings.HasPrefix(l, "chain ("):
			in = true
		case in && strings.HasPrefix(l, "waits ("):
			return out
		}
		if in {
			out = append(out, l)
		}
	}
	return out
}

func TestLockChainShapes(t *testing.T) {
	st := common.DefaultStyles()
	// the recording's shape: the same evidence through JSON
	b, err := json.Marshal(fixture.LockWaits)
	require.NoError(t, err)
	var decoded map[string]any
	require.NoError(t, json.Unmarshal(b, &decoded))

	// the scheduler's shape when a probe hands over mysql.ChainNode values
	_, tree := mysql.BuildChain([]mysql.LockWait{
		{WaitingThread: 12, BlockingThread: 11, WaitSeconds: 9},
		{WaitingThread: 13, BlockingThread: 12, WaitSeconds: 4, BlockingTrxState: "LOCK WAIT"},
		{WaitingThread: 14, BlockingThread: 11, WaitSeconds: 2},
	})

	want := []string{
		"chain (1 root blocker: 4711):",
		"thread 4711 · idle in transaction 42 s · 12,408 rows modified · root@app-1 · blocks 3",
		"├─ thread 4712 waits 14.2 s · blocks 1: UPDATE invoice SET status='paid' WHERE id=42",
		"│  └─ thread 4716 waits 6 s: DELETE FROM invoice_line WHERE invoice_id=42",
		"└─ thread 4715 waits 3.5 s: SELECT * FROM invoice WHERE id=42 FOR UPDATE",
	}
	tests := []struct {
		name string
		ev   map[string]any
		want []string
	}{
		{"go maps", fixture.LockWaits, want},
		{"decoded json", decoded, want},
		{"mysql.ChainNode structs", map[string]any{"chain": tree}, []string{
			"chain (1 root blocker: 11):",
			"thread 11 · blocks 3",
			"├─ thread 12 waits 9 s · blocks 1",
			"│  └─ thread 13 waits 4 s",
			"└─ thread 14 waits 2 s",
		}},
		{"two roots", map[string]any{"chain": []any{
			map[string]any{"thread": 1, "blocked_total": 1, "waiters": []any{map[string]any{"thread": 2, "wait_seconds": 1}}},
			map[string]any{"thread": 3, "activity": "running 2 s", "query": "UPDATE t\x1b[2J SET a=1", "waiters": nil},
		}}, []string{"chain (2 root blockers: 1, 3):", "thread 1 · blocks 1", "└─ thread 2 waits 1 s", "thread 3 · running 2 s · UPDATE t SET a=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, chainOf(Evidence(st, tt.ev, 160, 0)))
		})
	}
}

func TestLockChainNotAChain(t *testing.T) {
	st := common.DefaultStyles()
	tests := []struct {
		name string
		ev   map[string]any
		want string
	}{
		{"empty chain", map[string]any{"chain": []any{}}, "chain: none"},
		{"no thread: a table", map[string]any{"chain": []any{map[string]any{"id": 1, "waiters": []any{}}}}, "chain (1):"},
		{"waiters not a list", map[string]any{"chain": []any{map[string]any{"thread": 1, "waiters": "x"}}}, "chain (1):"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Contains(t, strings.Join(Evidence(st, tt.ev, 80, 0), "\n"), tt.want)
		})
	}
}

func TestLockChainBounded(t *testing.T) {
	var waiters []any
	for i := range 60 {
		waiters = append(waiters, map[string]any{"thread": 100 + i, "wait_seconds": 1})
	}
	out := Evidence(common.DefaultStyles(), map[string]any{"chain": []any{map[string]any{"thread": 1, "blocked_total": 60, "waiters": waiters}}}, 80, 0)
	assert.Contains(t, strings.Join(out, "\n"), "… 21 more sessions")
	assert.Len(t, out, 1+maxChainNodes+1)
}

func TestProcesslistByTime(t *testing.T) {
	ev := map[string]any{"processlist": []map[string]any{
		{"id": 7, "time": 3, "command": "Query", "info": "SELECT 1"},
		{"id": 8, "time": 120, "command": "Sleep", "info": nil},
		{"id": 9, "time": 45, "command": "Query", "info": "UPDATE t"},
		{"id": 10, "command": "Connect"},
	}}
	out := Evidence(common.DefaultStyles(), ev, 100, 0)
	var ids []string
	for _, l := range out[2:] {
		ids = append(ids, strings.Fields(l)[0])
	}
	assert.Equal(t, "processlist (4):", out[0])
	assert.Equal(t, []string{"8", "9", "7", "10"}, ids, "longest first, rows without a time last")
}

func TestGrouped(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {12408, "12,408"}, {1234567, "1,234,567"}, {-12408, "-12,408"}, {2.5, "2.5"}}
	for _, tt := range tests {
		assert.Equal(t, tt.want, grouped(tt.in))
	}
}

// A waiter's long statement wraps under its branch, whole, every line in w.
func TestLockChainWrapsLongSQL(t *testing.T) {
	ev := map[string]any{"chain": []any{map[string]any{"thread": 497, "blocked_total": 2, "waiters": []any{
		map[string]any{"thread": 498, "wait_seconds": 12, "query": "SELECT * FROM invoice WHERE id=42 FOR UPDATE"},
		map[string]any{"thread": 499, "wait_seconds": 12, "query": longSQL},
	}}}}
	for _, w := range []int{58, 76, 97} {
		lines := Evidence(common.DefaultStyles(), ev, w, 0)
		var sql []string
		for _, l := range lines {
			require.LessOrEqual(t, lipgloss.Width(l), w)
			assert.NotContains(t, l, "…", "at %d", w)
			if strings.HasPrefix(l, "└─ thread 499") || strings.HasPrefix(l, "      ") {
				sql = append(sql, strings.TrimSpace(strings.TrimPrefix(l, "└─ thread 499 waits 12 s:")))
			}
		}
		want := strings.Join(strings.Fields(strings.ReplaceAll(strings.ReplaceAll(longSQL, "\x1b]0;pwned\x07", ""), "\n", " ")), " ")
		assert.Equal(t, want, strings.Join(sql, " "), "at %d", w)
	}
}

// A root's line breaks before a part whose " ·" would not fit: nothing is cut.
func TestLockChainRootLineNotCut(t *testing.T) {
	ev := map[string]any{"chain": []any{map[string]any{"thread": 497, "blocked_total": 2, "activity": "idle in transaction 119 s",
		"rows_modified": 1, "user": "root", "host": "127.0.0.1:45054", "waiters": []any{map[string]any{"thread": 498, "wait_seconds": 12}}}}}
	for w := 60; w <= 90; w++ {
		out := strings.Join(Evidence(common.DefaultStyles(), ev, w, 0), "\n")
		assert.NotContains(t, out, "…", "at %d", w)
		assert.Contains(t, out, "root@127.0.0.1:45054", "at %d", w)
		assert.Contains(t, out, "blocks 2", "at %d", w)
	}
}
