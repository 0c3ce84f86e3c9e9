package mysql

import (
	"fmt"

	"github.com/fivelayer/triage/probes"
)

// trxEvidence is one transaction for the drill-down.
func trxEvidence(r row) map[string]any {
	m := map[string]any{
		"thread":          r.num("thread_id"),
		"trx_id":          r.text("trx_id"),
		"trx_state":       r.text("trx_state"),
		"trx_started":     r.text("trx_started"),
		"age_seconds":     r.num("trx_age_seconds"),
		"rows_modified":   r.num("trx_rows_modified"),
		"rows_locked":     r.num("trx_rows_locked"),
		"isolation_level": r.nullable("trx_isolation_level"),
		"user":            r.nullable("user"),
		"host":            r.nullable("host"),
		"db":              r.nullable("db"),
		"command":         r.nullable("command"),
		"query":           r.nullable("trx_query"),
	}
	idle := idleInTrx(r)
	m["idle_in_transaction"] = idle
	if idle {
		m["idle_seconds"] = r.num("time")
	}
	return m
}

// idleInTrx: a session in Sleep that holds a transaction (the reference's
// separate flag: the application began and went away).
func idleInTrx(r row) bool { return r.text("command") == "Sleep" && r.text("trx_query") == "" }

// longTransactions grades the oldest open transaction's age (docs/sql.md §3: warn > 60 s,
// crit > 300 s) and flags idle-in-transaction sessions.
func (p *Probe) longTransactions(r *round) probes.Result {
	th := p.spec.Threshold(CheckLongTransactions, DefaultLongTransactions)
	res := probes.Result{Check: CheckLongTransactions, For: th.ForDuration(), Unit: "s"}
	if r.trxErr != nil {
		return p.unmeasured(res, r, r.trxErr, needsProcess)
	}
	list := make([]map[string]any, 0, len(r.trx))
	var oldest int64
	over, idle := 0, 0
	var warnAt float64
	if th.Warn != nil {
		warnAt = *th.Warn
	}
	for i, t := range r.trx {
		age := t.num("trx_age_seconds")
		if i == 0 {
			oldest = age
		}
		if float64(age) > warnAt {
			over++
			if idleInTrx(t) {
				idle++
			}
		}
		if i < 10 {
			list = append(list, trxEvidence(t))
		}
	}
	res.Value = probes.V(float64(oldest))
	res.Status = th.Grade(float64(oldest))
	res.Evidence = map[string]any{
		"transactions":        list,
		"open_transactions":   r.trxTotal,
		"over_warn":           over,
		"idle_in_transaction": idle,
		"oldest_age_seconds":  oldest,
	}
	if len(r.trx) == 0 {
		res.Summary = "no open transactions"
		return res
	}
	o := r.trx[0]
	what := "running"
	if idleInTrx(o) {
		what = fmt.Sprintf("idle in transaction %d s", o.num("time"))
	}
	res.Summary = fmt.Sprintf("oldest transaction %d s%s: thread %d (%s, %d rows modified); %d open",
		oldest, breach(th, res.Status, "s"), o.num("thread_id"), what, o.num("trx_rows_modified"), r.trxTotal)
	if over > 1 {
		res.Summary += fmt.Sprintf(", %d older than %g s", over, warnAt)
	}
	return res
}

// historyLength grades InnoDB's history list length (undo logs purge has not
// removed) and names the oldest transaction as the likely cause: purge cannot
// pass the oldest read view.
func (p *Probe) historyLength(r *round) probes.Result {
	th := p.spec.Threshold(CheckHistoryLength, DefaultHistoryLength)
	res := probes.Result{Check: CheckHistoryLength, For: th.ForDuration(), Unit: "undo logs"}
	if !r.hllKnown {
		err := r.hllErr
		if err == nil {
			err = r.statusErr
		}
		if err == nil {
			res.Status, res.Summary = probes.Unknown, "history list length not available"
			return res
		}
		return p.unmeasured(res, r, err, needsProcess)
	}
	ev := map[string]any{"history_list_length": r.hll, "source": r.hllSource}
	if p.prevHLL != nil {
		ev["change_since_last_round"] = r.hll - *p.prevHLL
	}
	v := r.hll
	p.prevHLL = &v
	if len(r.trx) > 0 {
		ev["oldest_transaction"] = trxEvidence(r.trx[0])
	}
	res.Value = probes.V(float64(r.hll))
	res.Status = th.Grade(float64(r.hll))
	res.Summary = fmt.Sprintf("history list length %d%s", r.hll, breach(th, res.Status, ""))
	if res.Status != probes.OK && len(r.trx) > 0 {
		res.Summary += fmt.Sprintf("; oldest transaction: thread %d, %d s", r.trx[0].num("thread_id"), r.trx[0].num("trx_age_seconds"))
	}
	res.Evidence = ev
	return res
}
