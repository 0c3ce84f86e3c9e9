package mysql

import (
	"fmt"
	"strconv"
	"time"

	"github.com/fivelayer/triage/probes"
)

// fmtSpan prints a sampling window: 40ms, 2.5s, 1m0s.
func fmtSpan(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func atof(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// connections grades Threads_connected/max_connections and clients turned
// away with error 1040 since the last rounds; it also carries the process
// list for the drill-down and the probe's own statement count.
func (p *Probe) connections(r *round) probes.Result {
	th := p.spec.Threshold(CheckConnections, DefaultConnections)
	res := probes.Result{Check: CheckConnections, For: th.ForDuration(), Unit: "%"}
	if r.statusErr != nil {
		return p.unmeasured(res, r, r.statusErr, "")
	}
	connected, ok1 := atof(r.status["threads_connected"])
	maxConn, ok2 := atof(r.vars["max_connections"])
	if !ok1 || !ok2 || maxConn <= 0 {
		res.Status, res.Summary = probes.Unknown, "server did not report Threads_connected or max_connections"
		return res
	}
	pct := connected / maxConn * 100
	running, _ := atof(r.status["threads_running"])
	maxUsed, _ := atof(r.status["max_used_connections"])
	errs, _ := atof(r.status["connection_errors_max_connections"])
	rate := p.maxConnErrors.Add(r.start, errs)

	res.Value = probes.V(pct)
	res.Status = th.Grade(pct)
	res.Summary = fmt.Sprintf("%.0f of %.0f connections (%.0f%%)%s, %.0f running",
		connected, maxConn, pct, breach(th, res.Status, "%"), running)
	if rate.Ready && rate.Delta > 0 {
		res.Status = probes.Crit
		res.Summary = fmt.Sprintf("%.0f connection(s) refused with error 1040 (too many connections) in the last %s; %s",
			rate.Delta, fmtSpan(rate.Span), res.Summary)
	}
	ev := map[string]any{
		"threads_connected":                 connected,
		"max_connections":                   maxConn,
		"used_pct":                          pct,
		"threads_running":                   running,
		"max_used_connections":              maxUsed,
		"limit_hit_since_start":             maxUsed >= maxConn,
		"connection_errors_max_connections": errs,
		"engine":                            p.engine.String(),
		"version":                           r.vars["version"],
		"statements":                        r.statements,
	}
	if v, ok := r.vars["max_user_connections"]; ok {
		ev["max_user_connections"], _ = atof(v)
	}
	if rate.Ready {
		ev["max_connection_errors_last_min"] = rate.PerMinute
	}
	if r.procsErr == nil {
		ev["processlist"] = processEvidence(r.procs)
	} else {
		ev["processlist_error"] = p.engine.explain(r.procsErr, p.tgt, 0)
	}
	if r.trxErr != nil && isPrivilege(r.trxErr) {
		ev["processlist_scope"] = "own sessions only (no PROCESS privilege)"
	}
	res.Evidence = ev
	return res
}

// processEvidence is the top 10 sessions, busy ones first, then idle ones,
// each longest first.
func processEvidence(rows []row) []map[string]any {
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		out = append(out, map[string]any{
			"id": r.num("id"), "user": r.nullable("user"), "host": r.nullable("host"), "db": r.nullable("db"),
			"command": r.nullable("command"), "time": r.num("time"), "state": r.nullable("state"),
			"info": r.nullable("info"),
		})
	}
	return out
}

// authFailures rates rejected logins: Aborted_connects (less MariaDB's
// Aborted_connects_preauth: port probes and TCP health checks that never
// tried to log in) and Access_denied_errors, whichever is higher, per minute.
func (p *Probe) authFailures(r *round) probes.Result {
	th := p.spec.Threshold(CheckAuthFailures, DefaultAuthFailures)
	res := probes.Result{Check: CheckAuthFailures, For: th.ForDuration(), Unit: "/min"}
	if r.statusErr != nil {
		return p.unmeasured(res, r, r.statusErr, "")
	}
	aborted, ok := atof(r.status["aborted_connects"])
	if !ok {
		res.Status, res.Summary = probes.Unknown, "server did not report Aborted_connects"
		return res
	}
	ev := map[string]any{"aborted_connects": aborted}
	ab := p.aborted.Add(r.start, aborted)
	rates := []probes.Rate{ab}
	pre, hasPre := atof(r.status["aborted_connects_preauth"])
	var preR probes.Rate
	if hasPre {
		ev["aborted_connects_preauth"] = pre
		preR = p.abortedPre.Add(r.start, pre)
	}
	denied, hasDenied := atof(r.status["access_denied_errors"])
	var den probes.Rate
	if hasDenied {
		ev["access_denied_errors"] = denied
		den = p.accessDenied.Add(r.start, denied)
		rates = append(rates, den)
	}
	for _, x := range rates {
		if x.Reset {
			res.Summary = "counters went backwards (restart or FLUSH STATUS); rate from next round"
			res.Evidence = ev
			return res
		}
		if !x.Ready {
			res.Summary = fmt.Sprintf("first sample (%.0f aborted connects since start); rate from next round", aborted)
			res.Evidence = ev
			return res
		}
	}
	abortedRate := ab.PerMinute
	if hasPre && preR.Ready {
		abortedRate = max(ab.PerMinute-preR.PerMinute, 0)
	}
	v := abortedRate
	ev["aborted_connects_per_min"] = abortedRate
	if hasDenied {
		ev["access_denied_per_min"] = den.PerMinute
		v = max(v, den.PerMinute)
	}
	ev["window_seconds"] = ab.Span.Seconds()
	res.Value = probes.V(v)
	res.Status = th.Grade(v)
	res.Summary = fmt.Sprintf("%.0f rejected login(s) per minute%s (over the last %s)",
		v, breach(th, res.Status, "/min"), fmtSpan(ab.Span))
	res.Evidence = ev
	return res
}
