package incident

import (
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// The leaves of the flow chart, worded as the screen shows them.
const (
	ActNetwork  = "check connectivity, DNS and firewall first"
	ActRestart  = "restart the service instance (R)"
	ActApp      = "check the application: health endpoint, error log, connection pool — then database health"
	ActKill     = "kill the blocking session (K)"
	ActRestore  = "restore from backup — guidance only, never automated"
	ActSecurity = "check certificates and authentication: renew the certificate, look at the rejected logins"
)

// Hint is one piece of advice for a failing layer of a component.
type Hint struct {
	Layer probes.Layer
	Text  string
}

// failing reports a result that asks for attention.
func failing(r probes.Result) bool { return r.Status != probes.OK }

// IsLock reports a data check about locks: lock waits, deadlocks, or long
// transactions (which hold locks).
func IsLock(r probes.Result) bool {
	c := strings.ToLower(r.Check)
	return strings.Contains(c, "lock") || strings.Contains(c, "deadlock") || c == "long_transactions"
}

// Hints returns the procedure's advice for one component's results, in the
// procedure's order (network first); none when every check is ok.
func Hints(results []probes.Result) []Hint {
	var bad [5]bool
	lock := false
	for _, r := range results {
		if !failing(r) || r.Layer < 0 || int(r.Layer) >= len(bad) {
			continue
		}
		bad[r.Layer] = true
		if r.Layer == probes.Data && IsLock(r) {
			lock = true
		}
	}
	var out []Hint
	add := func(l probes.Layer, s string) { out = append(out, Hint{l, s}) }
	if bad[probes.Network] {
		add(probes.Network, "network layer failing: "+ActNetwork)
	}
	if bad[probes.Server] {
		add(probes.Server, "server resources abnormal: "+ActRestart)
	}
	if bad[probes.Application] {
		add(probes.Application, "application layer failing: "+ActApp)
	}
	switch {
	case bad[probes.Data] && lock:
		add(probes.Data, "database lock or deadlock: "+ActKill)
	case bad[probes.Data]:
		add(probes.Data, "database unhealthy, no lock: "+ActRestore)
	}
	if bad[probes.Security] {
		add(probes.Security, "security layer failing: "+ActSecurity)
	}
	return out
}

// Step ids: the keys of Walk's overrides.
const (
	StepCore        = "core"
	StepEnvironment = "environment" // information, not a decision: no override
	StepNetwork     = "network"
	StepServer      = "server"
	StepApplication = "application"
	StepDatabase    = "database"
	StepSecurity    = "security"
)

// Step is one decision of the guide's walk.
type Step struct {
	ID       string // Step* constant: what an override is keyed by
	Question string
	Answer   string // "yes", "no", "can't tell", or a statement for info steps
	Fault    bool   // the answer points at a fault here
	Evidence string // the check that answered, with its summary
	Action   string // what to do when the walk stops here
	Here     bool   // the first fault: where the operator is in the procedure
	// Overridden says the operator gave the answer; Checks is then the
	// answer the live checks gave.
	Overridden bool
	Checks     string
}

// Decision reports whether the step is a yes/no question an operator may
// override (collecting the environment is not).
func (s Step) Decision() bool { return s.ID != StepEnvironment }

// yesIsFault is, per decision, whether the answer "yes" points at a fault
// there ("resources abnormal?" yes, "network ok?" no).
var yesIsFault = map[string]bool{
	StepCore: true, StepNetwork: false, StepServer: true, StepApplication: false,
	StepDatabase: true, StepSecurity: false,
}

// Walk answers the flow chart from the assessment and the results: core
// business affected → collect environment → network → server → application →
// database (lock or not) — then security, which the seed's chart leaves out.
//
// overrides holds the operator's answers by step id (true: yes). An
// overridden step takes the operator's answer and the walk goes on from it:
// "network ok? yes" moves past the network, "resources abnormal? yes" stops
// at the restart, "lock or deadlock? no" leads to the restore guidance when
// the data layer fails. The first fault after the plan step is where the
// operator is (Here).
func Walk(a Assessment, results []probes.Result, overrides map[string]bool) []Step {
	var worst [5]*probes.Result
	var lock *probes.Result
	for i := range results {
		r := &results[i]
		if r.Layer < 0 || int(r.Layer) >= len(worst) {
			continue
		}
		if w := worst[r.Layer]; w == nil || r.Status.Worse(w.Status) {
			worst[r.Layer] = r
		}
		if r.Layer == probes.Data && failing(*r) && IsLock(*r) && (lock == nil || r.Status.Worse(lock.Status)) {
			lock = r
		}
	}
	evidence := func(r *probes.Result) string {
		if r == nil {
			return "no checks in this layer"
		}
		return fmt.Sprintf("%s %s: %s", r.ID, r.Status, r.Summary)
	}
	nFail := 0
	for _, r := range results {
		if failing(r) {
			nFail++
		}
	}
	steps := []Step{{
		ID: StepCore, Question: "core business affected?", Answer: "no", Evidence: "grade " + a.Grade.String() + ": " + a.Reason,
		Action: ticket(a.Grade),
	}, {
		ID: StepEnvironment, Question: "collect environment", Answer: fmt.Sprintf("%d checks, %d not ok", len(results), nFail),
		Evidence: "likely cause by layer: " + causes(a.Causes),
	}}
	if a.Grade == Red {
		steps[0].Answer, steps[0].Fault, steps[0].Action = "yes", true, redPlan
	}
	layer := func(id, q string, l probes.Layer, faultAnswer, okAnswer, action string) Step {
		s := Step{ID: id, Question: q, Answer: okAnswer, Evidence: evidence(worst[l]), Action: action}
		switch w := worst[l]; {
		case w == nil:
			s.Answer = "no checks"
		case w.Status == probes.Unknown:
			s.Answer, s.Fault = "can't tell", true
		case failing(*w):
			s.Answer, s.Fault = faultAnswer, true
		}
		return s
	}
	steps = append(steps,
		layer(StepNetwork, "network layer ok?", probes.Network, "no", "yes", ActNetwork),
		layer(StepServer, "server layer: resources abnormal?", probes.Server, "yes", "no", ActRestart),
		layer(StepApplication, "application layer ok?", probes.Application, "no", "yes", ActApp),
	)
	db := layer(StepDatabase, "database health: lock or deadlock?", probes.Data, "no", "no", ActRestore)
	if lock != nil {
		db.Answer, db.Fault, db.Evidence, db.Action = "yes", true, evidence(lock), ActKill
	}
	steps = append(steps, db, layer(StepSecurity, "security layer ok? (not in the seed's chart)", probes.Security, "no", "yes", ActSecurity))
	dataFailing := worst[probes.Data] != nil && failing(*worst[probes.Data])
	for i := range steps {
		if yes, ok := overrides[steps[i].ID]; ok && steps[i].Decision() {
			override(&steps[i], yes, a.Grade, dataFailing)
		}
	}
	for i := 1; i < len(steps); i++ { // step 0 decides the plan, not the place
		if steps[i].Fault {
			steps[i].Here = true
			break
		}
	}
	return steps
}

const redPlan = "red plan: restore basic function in 30 min (deadline 1 h)"

func ticket(g Grade) string { return "open a ticket; grade " + g.String() }

// override puts the operator's answer on s and follows it to its branch.
func override(s *Step, yes bool, g Grade, dataFailing bool) {
	s.Overridden, s.Checks = true, s.Answer
	s.Answer = "no"
	if yes {
		s.Answer = "yes"
	}
	s.Fault = yes == yesIsFault[s.ID]
	switch s.ID {
	case StepCore:
		s.Action = ticket(g)
		if yes {
			s.Action = redPlan
		}
	case StepDatabase: // "no lock" is a fault only when the data layer fails: then restore
		s.Action = ActKill
		if !yes {
			s.Action, s.Fault = ActRestore, dataFailing
		}
	}
}

func causes(ls []probes.Layer) string {
	if len(ls) == 0 {
		return "none failing"
	}
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprintf("%s (%d%%)", l, l.Weight())
	}
	return strings.Join(parts, " › ")
}
