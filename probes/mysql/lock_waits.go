package mysql

import (
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes"
)

func lockWaitFromRow(r row) LockWait {
	return LockWait{
		WaitingThread: r.num("waiting_thread_id"), WaitingTrxID: r.text("waiting_trx_id"),
		WaitingUser: r.text("waiting_user"), WaitingHost: r.text("waiting_host"), WaitingDB: r.text("waiting_db"),
		WaitingQuery: r.text("waiting_query"), WaitSeconds: r.num("wait_seconds"),
		LockedTable: r.text("locked_table"), LockedIndex: r.text("locked_index"), LockMode: r.text("waiting_lock_mode"),

		BlockingThread: r.num("blocking_thread_id"), BlockingTrxID: r.text("blocking_trx_id"),
		BlockingTrxState: r.text("blocking_trx_state"), BlockingTrxStarted: r.text("blocking_trx_started"),
		BlockingTrxAgeSeconds: r.num("blocking_trx_age_seconds"),
		BlockingUser:          r.text("blocking_user"), BlockingHost: r.text("blocking_host"), BlockingDB: r.text("blocking_db"),
		BlockingCommand: r.text("blocking_command"), BlockingStateSeconds: r.num("blocking_state_seconds"),
		BlockingQuery: r.text("blocking_query"), BlockingLastStatement: r.text("blocking_last_statement"),
		BlockingRowsLocked: r.num("blocking_rows_locked"), BlockingRowsModified: r.num("blocking_rows_modified"),
	}
}

// BlockerActivity says what the blocking session is doing: "idle in
// transaction N s" when it has no statement (the usual case: an application
// that began a transaction and went away), else "running N s".
func (w LockWait) BlockerActivity() string {
	switch {
	case w.BlockingTrxState == "ROLLING BACK":
		return "rolling back"
	case w.BlockingQuery == "" && (w.BlockingCommand == "Sleep" || w.BlockingCommand == ""):
		n := w.BlockingStateSeconds
		if w.BlockingCommand == "" {
			n = w.BlockingTrxAgeSeconds
		}
		return fmt.Sprintf("idle in transaction %d s", n)
	case w.BlockerWaiting():
		return fmt.Sprintf("itself waiting for a lock, running %d s", w.BlockingStateSeconds)
	}
	return fmt.Sprintf("running %d s", w.BlockingStateSeconds)
}

func (p *Probe) lockWaits(r *round) probes.Result {
	th := p.spec.Threshold(CheckLockWaits, DefaultLockWaits)
	res := probes.Result{Check: CheckLockWaits, For: th.ForDuration(), Unit: "s"}
	if r.waitsErr != nil {
		return p.unmeasured(res, r, r.waitsErr, needsProcess)
	}
	roots, tree := BuildChain(r.waits)
	var longest int64
	waiting := map[int64]bool{}
	list := make([]map[string]any, 0, len(r.waits))
	for _, w := range r.waits {
		longest = max(longest, w.WaitSeconds)
		waiting[w.WaitingThread] = true
		list = append(list, waitEvidence(w))
	}
	if roots == nil {
		roots = []int64{}
	}
	res.Value = probes.V(float64(longest))
	res.Evidence = map[string]any{
		"waits":            list,
		"root_blockers":    roots,
		"chain":            chainEvidence(tree, r.waits),
		"waiting_sessions": len(waiting),
		"transactions":     r.trxTotal,
	}
	if len(r.waits) == 0 {
		res.Summary = "no row-lock waits"
		if r.trxLockWaiting > 0 && r.waitsRan {
			res.Summary = "no row-lock waits (a wait ended while we looked)"
		}
		return res
	}
	res.Status = th.Grade(float64(longest))
	if res.Status == probes.OK && (th.Warn == nil || *th.Warn <= 0) {
		res.Status = probes.Warn // any wait is worth a look
	}
	res.Summary = fmt.Sprintf("%d session(s) waiting on row locks, longest %d s%s; %s",
		len(waiting), longest, breach(th, res.Status, "s"), rootSummary(tree, r.waits))
	return res
}

// breach names the broken bound in the one wording (probes.Threshold.Breach):
// " (crit > 10 s)"; "" when st broke none.
func breach(th probes.Threshold, st probes.Status, unit string) string {
	if b := th.Breach(st, unit); b != "" {
		return " (" + b + ")"
	}
	return ""
}

func rootSummary(tree []ChainNode, waits []LockWait) string {
	if len(tree) == 0 {
		return "no root blocker (every blocker waits itself: a lock cycle)"
	}
	info := blockerInfo(waits)
	parts := make([]string, 0, 2)
	for i, n := range tree {
		if i == 2 {
			parts = append(parts, fmt.Sprintf("and %d more", len(tree)-2))
			break
		}
		w := info[n.Thread]
		parts = append(parts, fmt.Sprintf("thread %d (%s, %d rows modified) blocks %d",
			n.Thread, w.BlockerActivity(), w.BlockingRowsModified, n.BlockedTotal))
	}
	label := "root blocker "
	if len(tree) > 1 {
		label = "root blockers "
	}
	return label + strings.Join(parts, ", ")
}

// blockerInfo is each blocking thread's row (its fields repeat on every edge).
func blockerInfo(waits []LockWait) map[int64]LockWait {
	m := map[int64]LockWait{}
	for _, w := range waits {
		if _, ok := m[w.BlockingThread]; !ok {
			m[w.BlockingThread] = w
		}
	}
	return m
}

// waiterInfo is each waiting thread's longest-waiting edge.
func waiterInfo(waits []LockWait) map[int64]LockWait {
	m := map[int64]LockWait{}
	for _, w := range waits {
		if o, ok := m[w.WaitingThread]; !ok || w.WaitSeconds > o.WaitSeconds {
			m[w.WaitingThread] = w
		}
	}
	return m
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// waitEvidence is one entry of evidence.waits (docs/contracts.md names first).
func waitEvidence(w LockWait) map[string]any {
	return map[string]any{
		"waiting_thread":           w.WaitingThread,
		"blocking_thread":          w.BlockingThread,
		"wait_seconds":             w.WaitSeconds,
		"waiting_query":            orNil(w.WaitingQuery),
		"blocking_query":           orNil(w.BlockingQuery),
		"blocking_trx_age_seconds": w.BlockingTrxAgeSeconds,
		"blocking_rows_modified":   w.BlockingRowsModified,

		"blocking_activity":       w.BlockerActivity(),
		"blocking_last_statement": orNil(w.BlockingLastStatement),
		"blocking_trx_id":         w.BlockingTrxID,
		"blocking_trx_state":      w.BlockingTrxState,
		"blocking_trx_started":    w.BlockingTrxStarted,
		"blocking_rows_locked":    w.BlockingRowsLocked,
		"blocking_command":        orNil(w.BlockingCommand),
		"blocking_user":           orNil(w.BlockingUser),
		"blocking_host":           orNil(w.BlockingHost),
		"blocking_db":             orNil(w.BlockingDB),
		"waiting_trx_id":          w.WaitingTrxID,
		"waiting_user":            orNil(w.WaitingUser),
		"waiting_host":            orNil(w.WaitingHost),
		"waiting_db":              orNil(w.WaitingDB),
		"locked_table":            orNil(w.LockedTable),
		"locked_index":            orNil(w.LockedIndex),
		"lock_mode":               orNil(w.LockMode),
	}
}

// chainEvidence renders the tree for the drill-down, root blockers first.
func chainEvidence(tree []ChainNode, waits []LockWait) []map[string]any {
	bi, wi := blockerInfo(waits), waiterInfo(waits)
	var node func(n ChainNode, root bool) map[string]any
	node = func(n ChainNode, root bool) map[string]any {
		m := map[string]any{"thread": n.Thread, "trx_id": n.TrxID, "blocked_total": n.BlockedTotal}
		if root {
			b := bi[n.Thread]
			m["activity"] = b.BlockerActivity()
			m["trx_age_seconds"] = b.BlockingTrxAgeSeconds
			m["trx_started"] = b.BlockingTrxStarted
			m["rows_modified"] = b.BlockingRowsModified
			m["user"], m["host"] = orNil(b.BlockingUser), orNil(b.BlockingHost)
			m["query"] = orNil(b.BlockingQuery)
		} else {
			w := wi[n.Thread]
			m["wait_seconds"] = n.WaitSeconds
			m["query"] = orNil(w.WaitingQuery)
			m["locked_table"] = orNil(w.LockedTable)
			m["user"], m["host"] = orNil(w.WaitingUser), orNil(w.WaitingHost)
		}
		ws := make([]map[string]any, 0, len(n.Waiters))
		for _, c := range n.Waiters {
			ws = append(ws, node(c, false))
		}
		m["waiters"] = ws
		return m
	}
	out := make([]map[string]any, 0, len(tree))
	for _, n := range tree {
		out = append(out, node(n, true))
	}
	return out
}
