package drill

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab/training"
)

// Action names a guarded action as the guard does (remedy.ActionKind's
// values): kill-session, kill-query, restart, switchover, failover.
type Action string

// The actions a trainee can take from the screen (K, Q, R, S, F).
const (
	KillSession Action = "kill-session"
	KillQuery   Action = "kill-query"
	Restart     Action = "restart"
	Switchover  Action = "switchover"
	Failover    Action = "failover"
)

// Key is the screen key of an action, for the debrief ("R").
func (a Action) Key() string {
	switch a {
	case KillSession:
		return "K"
	case KillQuery:
		return "Q"
	case Restart:
		return "R"
	case Switchover:
		return "S"
	case Failover:
		return "F"
	}
	return "?"
}

// Move is one action on one component.
type Move struct {
	Action    Action `json:"action"`
	Component string `json:"component"`
}

func (m Move) String() string {
	return fmt.Sprintf("%s %s (%s)", m.Action, m.Component, m.Action.Key())
}

// Mismove is a move the knowledge table names as wrong or risky, and why.
type Mismove struct {
	Move
	Why string
}

// Knowledge is what the expert knows about one fault: where its root cause
// is, which move clears it, which moves are known mistakes, and the path
// an expert walks. It is revealed only in the debrief.
type Knowledge struct {
	Fault string // the estate's fault key
	Name  string // the fault's name, revealed after the drill
	// RootCause is the component whose drill-down the trainee should open,
	// and Checks the probe/checks on it that show the fault.
	RootCause string
	Checks    []string
	Layer     probes.Layer
	// Cause says what is broken, in words.
	Cause string
	// Right are the moves that clear the fault; any one of them is right.
	Right []Move
	// Wrong are known mistakes with the reason (a move on a component that
	// is not the root cause, or one that does not fix this fault); a move
	// listed nowhere is wrong too, with a generic reason.
	Wrong []Mismove
	// Risky are moves that may do harm beyond not helping (a failover when
	// a switchover was possible, a restart that drops every user's session).
	Risky []Mismove
	// Expert is the right sequence, one step a line.
	Expert []string
	// Par is the time an expert needs from injection to the right action;
	// the score loses points only beyond it.
	Par time.Duration
}

// expertise is the drill's own knowledge of a fault, laid over what the
// estate's fault registry says (the root cause and the right action, in
// training.Fault's Cause and Fix): the expert path, the par time and the
// known mistakes.
type expertise struct {
	Cause  string
	Wrong  []Mismove
	Risky  []Mismove
	Expert []string
	Par    time.Duration
}

// Component names of the training estate the mistakes name.
const (
	app     = "invoice-api"
	front   = "nginx"
	primary = "db-primary"
	replica = "db-replica"
)

var (
	restartFront = Mismove{Move{Restart, front}, "nginx only passes the application's failures on; restarting it drops every connection and fixes nothing"}
	// Restarting the primary for a problem of one session or one client
	// takes the whole database down for everyone.
	restartPrimary = Mismove{Move{Restart, primary}, "restarting the primary takes the whole database down for everyone to clear what one client did"}
	switchPrimary  = Mismove{Move{Switchover, primary}, "a switchover moves every writer for a fault a single action clears; the cause goes with it"}
	failPrimary    = Mismove{Move{Failover, primary}, "a failover with a live primary risks losing transactions and splitting the pair"}
)

// experts is the drill table keyed by fault key.
var experts = map[string]expertise{
	"503-storm": {
		Cause: "the invoice-api instance answers 503 to every request: the instance itself is sick, its network and its host are fine",
		Wrong: []Mismove{restartFront},
		Expert: []string{
			"The grade is red: user-facing checks of a core component fail.",
			"Network first: tcp/connect to invoice-api and DNS are ok, so the network layer is not the cause.",
			"Server layer: the instance's resources are normal.",
			"Application layer: invoice-api http/status 503 and metrics/error_rate crit; open the drill-down on invoice-api.",
			"The instance is sick and its dependencies are healthy: restart the service instance (R on invoice-api, type invoice-api).",
			"Watch the error rate fall and the grade return to green.",
		},
		Par: 2 * time.Minute,
	},
	"port-closed": {
		Cause: "invoice-api's listener stopped: a connect to its port is refused, nginx answers 502 with \"connect() failed\"",
		Wrong: []Mismove{{Move{Restart, front}, "nginx's 502s and \"connect() failed\" lines are a symptom: its upstream refuses connections"}},
		Expert: []string{
			"The grade is red: nginx answers 502 to users.",
			"Network first: tcp/connect to invoice-api is refused, so the process is not listening (a firewall would time out instead).",
			"nginx's error log says \"connect() failed (111: Connection refused)\": nginx is a symptom, its upstream is the cause.",
			"Open the drill-down on invoice-api: connect refused, the scrape fails.",
			"Restart the service instance (R on invoice-api, type invoice-api).",
			"Watch tcp/connect turn ok and the grade return to green.",
		},
		Par: 2 * time.Minute,
	},
	"lock-wait": {
		Cause: "a report session holds row locks on the hot invoice rows in an open transaction; every request waits for them and fails",
		Wrong: []Mismove{
			{Move{Restart, app}, "a restart for a lock wait: every user's requests are dropped and the blocker keeps its locks"},
			{Move{KillQuery, primary}, "KILL QUERY stops the statement but keeps the transaction and its locks: the wait goes on"},
		},
		Risky: []Mismove{restartPrimary, switchPrimary, failPrimary},
		Expert: []string{
			"The grade is red: invoice-api's requests fail, its pool fills.",
			"Network, server and application layers are ok for themselves: invoice-api waits on the database.",
			"Database health, lock or deadlock? Open the drill-down on db-primary: mysql/lock_waits shows the chain, root blocker first.",
			"Read the blocker: how long its transaction has run, how many rows it modified, its SQL.",
			"Kill the blocking session (K on db-primary, type the root blocker's thread id): its transaction rolls back, its locks go.",
			"Watch the lock waits clear, the pool drain and the grade return to green.",
		},
		Par: 3 * time.Minute,
	},
	"deadlock-storm": {
		Cause: "a batch job in invoice-api updates two invoices in opposite orders from two threads; InnoDB rolls one back each time",
		Wrong: []Mismove{{Move{KillSession, primary}, "a deadlock leaves no blocker to kill: InnoDB already rolled the victim back"}},
		Risky: []Mismove{restartPrimary, switchPrimary, failPrimary},
		Expert: []string{
			"mysql/deadlocks is crit on db-primary: open its drill-down and read the last deadlock (the two statements).",
			"Nothing is left to kill: the sessions come from invoice-api's batch job.",
			"Stop the job: restart the instance it runs in (R on invoice-api); then fix the update order.",
			"Watch the deadlock rate fall and the grade return to green.",
		},
		Par: 3 * time.Minute,
	},
	"db-connection-flood": {
		Cause: "invoice-api's pool leaks connections to the primary until max_connections; new connections fail with Too many connections",
		Wrong: []Mismove{{Move{KillSession, primary}, "killing one of the leaked sessions frees one slot; the leaking client takes it again"}},
		Risky: []Mismove{restartPrimary, switchPrimary, failPrimary},
		Expert: []string{
			"mysql/connections is crit (> 90 % of max_connections) on db-primary: open its drill-down and read who holds them (user and host).",
			"The holder is invoice-api: its pool leaks.",
			"Restart the leaking client (R on invoice-api); raising max_connections is only a stopgap.",
			"Watch the connections fall and the grade return to green.",
		},
		Par: 3 * time.Minute,
	},
	"redis-client-flood": {
		Cause: "invoice-api leaks Redis connections past 500 until maxclients; Redis turns clients away and the API answers 503",
		Risky: []Mismove{restartPrimary},
		Expert: []string{
			"invoice-api answers 503, yet the application is not the cause: look below it.",
			"Open the drill-down on cache: redis/clients over 500 and redis/rejected crit (the runbook's case study).",
			"The clients come from invoice-api: restart the leaking client (R on invoice-api).",
			"Watch the clients fall, the rejections stop and the grade return to green.",
		},
		Par: 3 * time.Minute,
	},
	"replica-sql-stopped": {
		Cause: "the replica's SQL thread is stopped: it receives the binlog but applies nothing, and its lag grows",
		Risky: []Mismove{restartPrimary,
			{Move{Switchover, primary}, "a switchover to a replica that applies nothing: its prechecks refuse, and forcing it loses data"},
			{Move{Failover, primary}, "failing over to a replica that is behind loses every transaction it did not apply"}},
		Expert: []string{
			"Users see nothing yet: mysql/replication is crit on db-replica.",
			"Open the drill-down on db-replica: IO thread running, SQL thread stopped, lag growing.",
			"The standby is not ready for a switchover: restart the replica (R on db-replica) so it applies again.",
			"Watch the lag fall to zero and the grade return to green.",
		},
		Par: 3 * time.Minute,
	},
	"primary-down": {
		Cause: "the primary's mariadbd is down; its replica has received everything",
		Wrong: []Mismove{{Move{Restart, app}, "the application is fine: its database is gone"},
			{Move{Switchover, primary}, "a planned switchover needs a live primary: fail over instead"}},
		Expert: []string{
			"The grade is red: requests fail, health is DOWN, mysql/connections on db-primary cannot connect.",
			"Open the drill-down on db-primary: the server does not answer.",
			"Check the standby: db-replica has received everything and has no lag.",
			"Fail over to the standby (F on db-primary, type db-replica, then db-primary): the traffic hook moves invoice-api to it.",
			"Watch invoice-api recover on the new primary and the grade return to green.",
		},
		Par: 4 * time.Minute,
	},
	"app-cpu-hog": {
		Cause: "a runaway job inside invoice-api's instance spins past its CPU quota",
		Risky: []Mismove{restartPrimary},
		Expert: []string{
			"Server layer: invoice-api's instance CPU is crit (the instance, not the machine triage runs on).",
			"Open the drill-down on invoice-api: its CPU and load.",
			"Resources abnormal: restart the service instance (R on invoice-api).",
			"Watch the CPU fall and the grade return to green.",
		},
		Par: 2 * time.Minute,
	},
}

// For is the drill's knowledge of fault f: the root cause and the right
// action from the estate's registry, the expert path and the mistakes
// from the drill table. A fault no guarded action clears (no Fix), or one
// whose part of the lab is missing, is not drillable.
func For(f training.Fault) (Knowledge, bool) {
	if f.Fix.Action == "" || f.Unavailable != "" || f.Cause.Component == "" {
		return Knowledge{}, false
	}
	k := Knowledge{Fault: f.Key, Name: f.Name, RootCause: f.Cause.Component, Checks: f.Cause.Checks, Layer: f.Layer,
		Cause: f.Description, Right: []Move{{Action(f.Fix.Action), f.Fix.Component}}, Par: 3 * time.Minute}
	x, ok := experts[f.Key]
	if !ok { // the registry alone: a plain expert path
		k.Expert = []string{
			fmt.Sprintf("Open the drill-down on %s: %s.", k.RootCause, strings.Join(k.Checks, ", ")),
			fmt.Sprintf("Take the right action: %s.", k.Right[0]),
			"Watch the grade return to green.",
		}
		return k, true
	}
	k.Cause = cmp.Or(x.Cause, k.Cause)
	k.Wrong, k.Risky, k.Expert = x.Wrong, x.Risky, x.Expert
	if x.Par > 0 {
		k.Par = x.Par
	}
	return k, true
}

// Lookup is the knowledge for fault key among the estate's faults.
func Lookup(faults []training.Fault, key string) (Knowledge, bool) {
	for _, f := range faults {
		if f.Key == key {
			return For(f)
		}
	}
	return Knowledge{}, false
}

// Drillable are the keys of the drillable faults, in the estate's order.
func Drillable(faults []training.Fault) []string {
	var out []string
	for _, f := range faults {
		if _, ok := For(f); ok {
			out = append(out, f.Key)
		}
	}
	return out
}

// classify says whether m is the right move, a known risky or wrong one
// (with the reason), or an unlisted one (wrong, with a generic reason).
func (k Knowledge) classify(m Move) (verdict, string) {
	if slices.Contains(k.Right, m) {
		return right, ""
	}
	for _, r := range k.Risky {
		if r.Move == m {
			return risky, r.Why
		}
	}
	for _, w := range k.Wrong {
		if w.Move == m {
			return wrong, w.Why
		}
	}
	if m.Component != k.RootCause {
		return wrong, m.Component + " is not the root cause"
	}
	return wrong, fmt.Sprintf("%s does not clear this fault", m.Action)
}

// verdict is how a move is judged.
type verdict int

const (
	right verdict = iota
	wrong
	risky
)
