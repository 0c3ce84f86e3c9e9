package mysql

import (
	"github.com/fivelayer/triage/probes"
)

// evaluate grades one round. When the server could not be reached only
// connections says so (crit); the other checks cannot see and are unknown.
func (p *Probe) evaluate(r *round) []probes.Result {
	elapsed := p.now().Sub(r.start)
	if fail := r.setupErr; fail != nil {
		return p.all(probes.Unknown, redact(fail.Error(), p.password), fail)
	}
	if r.connErr != nil {
		msg := p.engine.explain(r.connErr, p.tgt, elapsed)
		out := p.all(probes.Unknown, "not measured: "+msg, r.connErr)
		out[0].Status, out[0].Summary = probes.Crit, msg
		return out
	}
	return []probes.Result{
		p.connections(r),
		p.lockWaits(r),
		p.deadlocks(r),
		p.longTransactions(r),
		p.historyLength(r),
		p.replication(r),
		p.readOnly(r),
		p.fragmentation(r),
		p.authFailures(r),
	}
}

// all gives every check the same verdict.
func (p *Probe) all(st probes.Status, summary string, err error) []probes.Result {
	out := make([]probes.Result, len(checks))
	for i, c := range checks {
		out[i] = probes.Result{Check: c.Name, Status: st, Summary: summary, Err: redact(err.Error(), p.password)}
	}
	return out
}

// unmeasured marks res unknown because its statement failed; privilege says
// what a refusal means for this check ("needs PROCESS privilege …").
func (p *Probe) unmeasured(res probes.Result, r *round, err error, privilege string) probes.Result {
	res.Status = probes.Unknown
	res.Err = redact(err.Error(), p.password)
	res.Value, res.Unit = nil, ""
	if privilege != "" && isPrivilege(err) {
		res.Summary = privilege
		return res
	}
	res.Summary = p.engine.explain(err, p.tgt, p.now().Sub(r.start))
	return res
}
