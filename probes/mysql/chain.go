package mysql

import (
	"cmp"
	"slices"
)

// LockWait is one edge of the row-lock wait graph: a waiting transaction and
// one transaction it waits for, with both sessions as the server saw them.
// Thread ids are the processlist ids KILL takes.
type LockWait struct {
	WaitingThread int64
	WaitingTrxID  string
	WaitingUser   string
	WaitingHost   string
	WaitingDB     string
	WaitingQuery  string // empty when the server had none
	WaitSeconds   int64
	LockedTable   string
	LockedIndex   string
	LockMode      string

	BlockingThread        int64
	BlockingTrxID         string
	BlockingTrxState      string // RUNNING, LOCK WAIT, ROLLING BACK, COMMITTING
	BlockingTrxStarted    string // server time, as the server printed it
	BlockingTrxAgeSeconds int64
	BlockingUser          string
	BlockingHost          string
	BlockingDB            string
	BlockingCommand       string // Sleep when idle in its transaction
	BlockingStateSeconds  int64  // PROCESSLIST TIME: how long in its current command
	BlockingQuery         string // empty when idle
	BlockingLastStatement string // MySQL 8 only: the last finished statement
	BlockingRowsLocked    int64
	BlockingRowsModified  int64
}

// BlockerWaiting reports whether the blocking transaction itself waits: it is
// then a queued waiter ahead of the requester, or a middle link of a chain.
func (w LockWait) BlockerWaiting() bool { return w.BlockingTrxState == "LOCK WAIT" }

// ChainNode is one session in the lock-wait tree: a root blocker at the top,
// the sessions waiting for it below.
type ChainNode struct {
	Thread int64
	TrxID  string
	// WaitSeconds is how long this session has waited (0 for a root).
	WaitSeconds int64
	// BlockedTotal counts the sessions below this one, directly or not.
	BlockedTotal int
	Waiters      []ChainNode
}

// maxChainDepth stops runaway recursion if a cycle persists
// (innodb_deadlock_detect=OFF), as the reference's CTE does.
const maxChainDepth = 10

// BuildChain turns the edge list into root blockers and a tree, root first.
//
// A root blocker blocks others and waits on nobody. InnoDB also lists queued
// waiters as blockers (C waits for the holder A and for B, queued ahead of it
// on the same row), so when a waiter has at least one blocker that is not
// itself waiting, its edges to waiting blockers are dropped: C hangs under A,
// next to B, and B is never a root. A real chain (A holds row 1, B holds
// row 2 and waits for A, C wants row 2) keeps C under B under A.
//
// Roots are ordered by sessions blocked, most first, then by thread id. A
// cycle with no root yields no roots and no tree.
func BuildChain(waits []LockWait) (roots []int64, tree []ChainNode) {
	waiting := map[int64]bool{}
	for _, w := range waits {
		waiting[w.WaitingThread] = true
		if w.BlockerWaiting() {
			waiting[w.BlockingThread] = true
		}
	}
	edges := filterQueued(waits, waiting)

	children := map[int64][]LockWait{}
	for _, w := range edges {
		children[w.BlockingThread] = append(children[w.BlockingThread], w)
	}
	for b := range children {
		slices.SortFunc(children[b], func(x, y LockWait) int {
			return cmp.Or(cmp.Compare(y.WaitSeconds, x.WaitSeconds), cmp.Compare(x.WaitingThread, y.WaitingThread))
		})
	}
	trx := map[int64]string{}
	for _, w := range waits {
		trx[w.WaitingThread] = w.WaitingTrxID
		trx[w.BlockingThread] = w.BlockingTrxID
	}

	var build func(thread, wait int64, depth int, path map[int64]bool) ChainNode
	build = func(thread, wait int64, depth int, path map[int64]bool) ChainNode {
		n := ChainNode{Thread: thread, TrxID: trx[thread], WaitSeconds: wait}
		if depth >= maxChainDepth {
			return n
		}
		path[thread] = true
		defer delete(path, thread)
		for _, w := range children[thread] {
			if path[w.WaitingThread] {
				continue
			}
			n.Waiters = append(n.Waiters, build(w.WaitingThread, w.WaitSeconds, depth+1, path))
		}
		return n
	}
	seen := map[int64]bool{}
	for _, w := range edges {
		b := w.BlockingThread
		if waiting[b] || seen[b] {
			continue
		}
		seen[b] = true
		n := build(b, 0, 0, map[int64]bool{})
		fillBlocked(&n)
		tree = append(tree, n)
	}
	slices.SortFunc(tree, func(x, y ChainNode) int {
		return cmp.Or(cmp.Compare(y.BlockedTotal, x.BlockedTotal), cmp.Compare(x.Thread, y.Thread))
	})
	for _, n := range tree {
		roots = append(roots, n.Thread)
	}
	return roots, tree
}

// filterQueued drops a waiter's edges to waiting blockers when it also has a
// blocker that does not wait (see BuildChain).
func filterQueued(waits []LockWait, waiting map[int64]bool) []LockWait {
	hasHolder := map[int64]bool{}
	for _, w := range waits {
		if !waiting[w.BlockingThread] {
			hasHolder[w.WaitingThread] = true
		}
	}
	out := make([]LockWait, 0, len(waits))
	seen := map[[2]int64]bool{}
	for _, w := range waits {
		if hasHolder[w.WaitingThread] && waiting[w.BlockingThread] {
			continue
		}
		k := [2]int64{w.WaitingThread, w.BlockingThread}
		if seen[k] { // one edge per pair, though several locks may be involved
			continue
		}
		seen[k] = true
		out = append(out, w)
	}
	return out
}

// fillBlocked sets BlockedTotal on n and every node below it and returns the
// distinct sessions below n (a session can wait for two holders of a shared
// lock and so appear twice).
func fillBlocked(n *ChainNode) map[int64]bool {
	below := map[int64]bool{}
	for i := range n.Waiters {
		w := &n.Waiters[i]
		below[w.Thread] = true
		for t := range fillBlocked(w) {
			below[t] = true
		}
	}
	n.BlockedTotal = len(below)
	return below
}
