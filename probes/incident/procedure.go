package incident

import (
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// The leaves of the flow chart, as the guide words them when the operator
// answers a step and no root cause of the diagnosis speaks for it.
const (
	ActNetwork  = "check connectivity, DNS and firewall first"
	ActRestart  = "restart the service instance"
	ActApp      = "check the application: health endpoint, error log, connection pool — then database health"
	ActKill     = "kill the root blocker of the lock chain"
	ActDatabase = "check the database's other checks: connections, replication, disk"
	ActSecurity = "check certificates and authentication: renew the certificate, look at the rejected logins"
)

// Hint is one line of what to do about a component.
type Hint struct {
	Layer  probes.Layer
	Text   string
	Action Action // the guarded action it offers, enabled on the component
}

// AdviceLine is an advice as one line, with the key of its action.
func AdviceLine(a Advice) string {
	if k := a.Action.Key(); k != "" {
		return a.Text + " (" + k + ")"
	}
	return a.Text
}

// IsLock reports a data check about locks: lock waits, deadlocks, or long
// transactions (which hold locks).
func IsLock(r probes.Result) bool {
	c := strings.ToLower(r.Check)
	return strings.Contains(c, "lock") || strings.Contains(c, "deadlock") || c == "long_transactions"
}

// Hints is the diagnosis for one component: its own root causes with their
// advice, and, when its failures are symptoms, the causes that explain them.
func Hints(d Diagnosis, component string) []Hint {
	var out []Hint
	for _, rc := range d.RootCauses {
		if rc.Component == component {
			out = append(out, Hint{Layer: rc.Layer, Text: fmt.Sprintf("root cause %s %s: %s", rc.CheckID, rc.Status, rc.Summary)})
			for _, a := range rc.Advice {
				out = append(out, Hint{Layer: rc.Layer, Text: AdviceLine(a), Action: a.Action})
			}
			continue
		}
		for _, id := range rc.Explains {
			if strings.HasPrefix(id, component+"/") {
				out = append(out, Hint{Layer: rc.Layer, Text: fmt.Sprintf("%s fails because of %s (%s): %s — act there, not here",
					component, rc.Component, strings.Join(rc.Chain, " → "), oneClause(rc.Summary))})
				break
			}
		}
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

// Walk answers the flow chart from the diagnosis: core business affected →
// collect environment → network → server → application → database (lock
// or not) — then security, which the runbook's chart leaves out. A step is a
// fault where a root cause lives in its layer; failures there that other
// causes explain are said to be symptoms. The step of the best-ranked root
// cause is where the operator is (Here).
//
// overrides holds the operator's answers by step id (true: yes). An
// overridden step takes the operator's answer and the walk goes on from it.
func Walk(a Assessment, results []probes.Result, overrides map[string]bool) []Step {
	d := a.Diagnosis
	nFail := 0
	failingIn := map[probes.Layer][]probes.Result{}
	watched := map[probes.Layer]bool{}
	for _, r := range results {
		watched[r.Layer] = true
		if failingNow(r) {
			nFail++
			failingIn[r.Layer] = append(failingIn[r.Layer], r)
		}
	}
	observer := map[string]bool{}
	for _, id := range d.Observer {
		observer[id] = true
	}
	causeOf := map[string]string{} // check id → the root cause that explains it
	for _, rc := range d.RootCauses {
		for _, id := range rc.Explains {
			if _, ok := causeOf[id]; !ok {
				causeOf[id] = rc.CheckID
			}
		}
	}
	env := fmt.Sprintf("%d checks, %d not ok", len(results), nFail)
	if len(d.NotWatched) > 0 {
		names := make([]string, len(d.NotWatched))
		for i, l := range d.NotWatched {
			names[i] = l.String()
		}
		env += "; not watched: " + strings.Join(names, ", ")
	}
	steps := []Step{{
		ID: StepCore, Question: "core business affected?", Answer: "no", Evidence: "grade " + a.Grade.String() + ": " + a.Reason,
		Action: ticket(a.Grade),
	}, {
		ID: StepEnvironment, Question: "collect environment", Answer: env, Evidence: "root causes: " + causeList(d),
	}}
	if a.Grade == Red {
		steps[0].Answer, steps[0].Fault, steps[0].Action = "yes", true, redPlan
	}
	layer := func(id, q string, l probes.Layer, faultAnswer, okAnswer, fallback string) Step {
		s := Step{ID: id, Question: q, Answer: okAnswer, Action: fallback}
		for _, rc := range d.RootCauses {
			if rc.Layer == l {
				s.Answer, s.Fault = faultAnswer, true
				s.Evidence = fmt.Sprintf("%s %s: %s", rc.CheckID, rc.Status, rc.Summary)
				if len(rc.Advice) > 0 {
					s.Action = AdviceLine(rc.Advice[0])
				}
				return s
			}
		}
		var symptoms, blind, obs []string
		for _, r := range failingIn[l] {
			switch cause, ok := causeOf[r.ID]; {
			case observer[r.ID]:
				obs = append(obs, fmt.Sprintf("%s %s: %s", r.ID, r.Status, oneClause(r.Summary)))
			case ok:
				symptoms = append(symptoms, fmt.Sprintf("%s (explained by %s)", r.ID, cause))
			default:
				blind = append(blind, r.ID)
			}
		}
		switch {
		case !watched[l]:
			s.Answer, s.Evidence = "not watched", "no checks in this layer"
		case len(blind) > 0:
			s.Answer, s.Fault, s.Evidence = "can't tell", true, "cannot measure: "+strings.Join(blind, ", ")
		case len(symptoms) > 0:
			s.Evidence = "failures here are symptoms: " + strings.Join(symptoms, "; ")
		case len(obs) > 0:
			s.Evidence = "only the machine triage runs on: " + strings.Join(obs, "; ") + " — not an estate cause"
		default:
			s.Evidence = "every check ok"
		}
		return s
	}
	steps = append(steps,
		layer(StepNetwork, "network layer ok?", probes.Network, "no", "yes", ActNetwork),
		layer(StepServer, "server layer: resources abnormal?", probes.Server, "yes", "no", ActRestart),
		layer(StepApplication, "application layer ok?", probes.Application, "no", "yes", ActApp),
	)
	db := layer(StepDatabase, "database health: lock or deadlock?", probes.Data, "no", "no", ActDatabase)
	for _, rc := range d.RootCauses {
		if rc.Layer == probes.Data {
			if IsLock(probes.Result{Check: lastPart(rc.CheckID)}) {
				db.Answer = "yes"
			}
			break
		}
	}
	dataFault := db.Fault
	steps = append(steps, db, layer(StepSecurity, "security layer ok? (not in the seed's chart)", probes.Security, "no", "yes", ActSecurity))
	for i := range steps {
		if yes, ok := overrides[steps[i].ID]; ok && steps[i].Decision() {
			override(&steps[i], yes, a.Grade, dataFault)
		}
	}
	here := -1
	for i := 1; i < len(steps); i++ { // the operator's own answer, where it differs, leads
		if steps[i].Overridden && steps[i].Fault && steps[i].Checks != steps[i].Answer {
			here = i
			break
		}
	}
	for _, rc := range d.RootCauses { // else the best-ranked cause whose step still says fault
		if here >= 0 {
			break
		}
		if i := stepOf(rc.Layer); steps[i].Fault {
			here = i
			break
		}
	}
	for i := 1; here < 0 && i < len(steps); i++ { // else the first fault (an operator's answer)
		if steps[i].Fault {
			here = i
		}
	}
	if here > 0 {
		steps[here].Here = true
	}
	return steps
}

// stepOf is the index in Walk's steps of the layer's decision.
func stepOf(l probes.Layer) int { return 2 + int(l) }

func lastPart(id string) string {
	_, _, c := splitID(id)
	return c
}

func causeList(d Diagnosis) string {
	if len(d.RootCauses) == 0 {
		return "none"
	}
	var parts []string
	for i, rc := range d.RootCauses {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("+%d more", len(d.RootCauses)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", rc.CheckID, rc.Layer))
	}
	return strings.Join(parts, " › ")
}

const redPlan = "red plan: restore basic function in 30 min (deadline 1 h)"

func ticket(g Grade) string { return "open a ticket; grade " + g.String() }

// override puts the operator's answer on s and follows it to its branch.
func override(s *Step, yes bool, g Grade, dataFault bool) {
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
	case StepDatabase: // "lock? no" leaves the database's other checks, not a restore
		s.Action, s.Fault = ActKill, true
		if !yes {
			s.Action, s.Fault = ActDatabase, dataFault
		}
	}
}
