package mysql

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// edge builds a LockWait: waiter waits for blocker; blockerWaits marks the
// blocker's own trx as LOCK WAIT.
func edge(waiter, blocker int64, wait int64, blockerWaits bool) LockWait {
	st := "RUNNING"
	if blockerWaits {
		st = "LOCK WAIT"
	}
	return LockWait{WaitingThread: waiter, BlockingThread: blocker, WaitSeconds: wait, BlockingTrxState: st}
}

// flat lists a tree as "parent>child" pairs, depth first.
func flat(nodes []ChainNode) []string {
	var out []string
	var walk func(n ChainNode)
	walk = func(n ChainNode) {
		for _, c := range n.Waiters {
			out = append(out, itoa(n.Thread)+">"+itoa(c.Thread))
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return out
}

func itoa(v int64) string { return string(rune('0' + v)) }

func TestBuildChain(t *testing.T) {
	tests := []struct {
		name      string
		waits     []LockWait
		roots     []int64
		edges     []string
		rootTotal []int
	}{
		{name: "none", waits: nil, roots: nil, edges: nil},
		{
			name:  "one holder one waiter",
			waits: []LockWait{edge(2, 1, 5, false)},
			roots: []int64{1}, edges: []string{"1>2"}, rootTotal: []int{1},
		},
		{
			// The reference's verified case: C (3) is listed as blocked by the
			// holder A (1) and by the queued waiter B (2).
			name:  "queued waiter is not a blocker",
			waits: []LockWait{edge(2, 1, 9, false), edge(3, 1, 4, false), edge(3, 2, 4, true)},
			roots: []int64{1}, edges: []string{"1>2", "1>3"}, rootTotal: []int{2},
		},
		{
			// A holds row 1; B holds row 2 and waits for A; C waits only for B.
			name:  "real chain keeps depth",
			waits: []LockWait{edge(2, 1, 9, false), edge(3, 2, 4, true)},
			roots: []int64{1}, edges: []string{"1>2", "2>3"}, rootTotal: []int{2},
		},
		{
			// The reference's D→C→A plus B→A: root 7 blocks 3.
			name:  "reference chain D C A plus B",
			waits: []LockWait{edge(4, 3, 2, true), edge(3, 1, 5, false), edge(2, 1, 6, false)},
			roots: []int64{1}, edges: []string{"1>2", "1>3", "3>4"}, rootTotal: []int{3},
		},
		{
			name:  "two roots ordered by sessions blocked",
			waits: []LockWait{edge(5, 4, 1, false), edge(2, 1, 3, false), edge(3, 1, 2, false)},
			roots: []int64{1, 4}, edges: []string{"1>2", "1>3", "4>5"}, rootTotal: []int{2, 1},
		},
		{
			name:  "cycle has no root",
			waits: []LockWait{edge(1, 2, 3, true), edge(2, 1, 3, true)},
			roots: nil, edges: nil,
		},
		{
			name:  "duplicate edges (several locks) count once",
			waits: []LockWait{edge(2, 1, 3, false), edge(2, 1, 3, false)},
			roots: []int64{1}, edges: []string{"1>2"}, rootTotal: []int{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roots, tree := BuildChain(tt.waits)
			assert.Equal(t, tt.roots, roots)
			assert.Equal(t, tt.edges, flat(tree))
			require.Len(t, tree, len(tt.rootTotal))
			for i, n := range tree {
				assert.Equal(t, tt.rootTotal[i], n.BlockedTotal, "root %d", n.Thread)
			}
		})
	}
}

func TestBlockerActivity(t *testing.T) {
	tests := []struct {
		name string
		w    LockWait
		want string
	}{
		{"idle in transaction", LockWait{BlockingCommand: "Sleep", BlockingStateSeconds: 14, BlockingTrxState: "RUNNING"}, "idle in transaction 14 s"},
		{"processlist row missing", LockWait{BlockingTrxAgeSeconds: 20, BlockingTrxState: "RUNNING"}, "idle in transaction 20 s"},
		{"running a statement", LockWait{BlockingCommand: "Query", BlockingQuery: "UPDATE t", BlockingStateSeconds: 3, BlockingTrxState: "RUNNING"}, "running 3 s"},
		{"rolling back", LockWait{BlockingTrxState: "ROLLING BACK"}, "rolling back"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, tt.w.BlockerActivity()) })
	}
}
