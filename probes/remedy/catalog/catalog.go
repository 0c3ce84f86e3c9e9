// Package catalog is the one table of triage's guarded actions: for each,
// the name `triage act` and the audit use, the name the diagnosis and the
// config's advice use, the screen's key and help, what it does, the config
// section that enables it, the word the operator types to confirm it, and
// whether it needs a reason. The config, the guard, the screen, the
// recorder and the command line read it instead of keeping copies
// (docs/guard.md). It imports nothing, so every layer may use it.
package catalog

// Kind names an action as `triage act`, the guard and the audit log write it.
type Kind string

// The actions, in the order the screen lists them.
const (
	KillSession Kind = "kill-session"
	KillQuery   Kind = "kill-query"
	Restart     Kind = "restart"
	Switchover  Kind = "switchover"
	Failover    Kind = "failover"
)

// Word is what the operator types to confirm an action.
type Word int

// The confirmation words.
const (
	NoWord Word = iota
	// Thread is the session's thread (processlist) id.
	Thread
	// Component is the name of the component acted on.
	Component
	// Standby is the name of the configured standby: the server that becomes primary.
	Standby
	// Primary is the component's name as the old primary (a failover's second word).
	Primary
)

// String says what to type, as the command line's flags and the docs say it.
func (w Word) String() string {
	switch w {
	case Thread:
		return "the thread id"
	case Component:
		return "the component's name"
	case Standby:
		return "the standby's name"
	case Primary:
		return "the old primary's name"
	}
	return ""
}

// Spec is one action.
type Spec struct {
	Kind Kind
	// Name is the action in the diagnosis JSON (`advice[].action`) and in a
	// component's `knowledge.advice`.
	Name string
	// Key is the screen's key that previews it; Help is its line in the
	// help view; Label says what it does before a preview names the target.
	Key, Help, Label string
	// Section is the key under a component's `actions:` that enables it.
	Section string
	// Command is the `triage act` subcommand; Flag, when set, is the flag
	// of that subcommand that selects this action instead of the plain one.
	Command, Flag string
	// Confirm is the word the operator types; Second a second one (NoWord: none).
	Confirm, Second Word
	// ReasonRequired refuses the action without a reason for the audit.
	ReasonRequired bool
	// Probe is the probe kind the action acts through ("" for none): a kill
	// is offered only on a component with a mysql probe.
	Probe string
}

var specs = []Spec{
	{Kind: KillSession, Name: "kill_session", Key: "K", Help: "kill blocking session",
		Label: "kill the root blocker (KILL CONNECTION)", Section: "kill_session",
		Command: "kill-session", Confirm: Thread, Probe: "mysql"},
	{Kind: KillQuery, Name: "kill_query", Key: "Q", Help: "kill query only (keeps the transaction)",
		Label: "kill its statement only (KILL QUERY, keeps locks)", Section: "kill_session",
		Command: "kill-session", Flag: "query-only", Confirm: Thread, Probe: "mysql"},
	{Kind: Restart, Name: "restart", Key: "R", Help: "restart service",
		Label: "restart the service", Section: "restart",
		Command: "restart", Confirm: Component},
	{Kind: Switchover, Name: "switchover", Key: "S", Help: "switch to standby",
		Label: "switch to the standby", Section: "switchover",
		Command: "switchover", Confirm: Standby, ReasonRequired: true},
	{Kind: Failover, Name: "failover", Key: "F", Help: "failover (primary unreachable)",
		Label: "failover to the standby (primary gone)", Section: "switchover",
		Command: "switchover", Flag: "failover", Confirm: Standby, Second: Primary, ReasonRequired: true},
}

// All returns every action, in the screen's order.
func All() []Spec { return append([]Spec(nil), specs...) }

// Lookup returns the action of a kind.
func Lookup(k Kind) (Spec, bool) { return find(func(s Spec) bool { return s.Kind == k }) }

// ByKey returns the action the screen's key previews.
func ByKey(key string) (Spec, bool) { return find(func(s Spec) bool { return s.Key == key }) }

// ByName returns the action the diagnosis and the config's advice call name.
func ByName(name string) (Spec, bool) { return find(func(s Spec) bool { return s.Name == name }) }

// ByCommand returns the action `triage act COMMAND` runs, with flag set
// ("" when none of its flags is).
func ByCommand(command, flag string) (Spec, bool) {
	return find(func(s Spec) bool { return s.Command == command && s.Flag == flag })
}

// Names lists the actions' names (kill_session, …) for messages and validation.
func Names() []string { return collect(func(s Spec) string { return s.Name }) }

// Sections lists the config sections that enable actions, each once.
func Sections() []string { return collect(func(s Spec) string { return s.Section }) }

// Commands lists the `triage act` subcommands, each once.
func Commands() []string { return collect(func(s Spec) string { return s.Command }) }

func find(match func(Spec) bool) (Spec, bool) {
	for _, s := range specs {
		if match(s) {
			return s, true
		}
	}
	return Spec{}, false
}

// collect returns f of every spec, each value once, in order.
func collect(f func(Spec) string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range specs {
		if v := f(s); !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
