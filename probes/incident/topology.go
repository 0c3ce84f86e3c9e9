package incident

import (
	"slices"

	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// Action names a guarded remediation as the diagnosis offers it; the empty
// Action is advice without a key (it writes as JSON null).
type Action string

// Actions the advice may offer (the names `check --format json` uses, as
// catalog.Spec.Name spells them).
const (
	NoAction    Action = ""
	KillSession Action = "kill_session"
	KillQuery   Action = "kill_query"
	Restart     Action = "restart"
	Switchover  Action = "switchover"
	Failover    Action = "failover"
)

// Key is the screen's key for the action ("" when it has none).
func (a Action) Key() string {
	s, _ := catalog.ByName(string(a))
	return s.Key
}

// MarshalText writes the action's name; NoAction is written by Advice as null.
func (a Action) MarshalText() ([]byte, error) { return []byte(a), nil }

// Node is one component as the diagnosis sees it: its dependencies, whether
// it is core, which actions it enables and the advice its config adds.
type Node struct {
	Name      string
	DependsOn []string
	Core      bool
	// Actions are the remediations enabled on the component.
	Actions map[Action]bool
	// Advice is the component's own advice from config (knowledge.advice).
	Advice []ConfigAdvice
	// Standby is the other member of the component's switchover pair.
	Standby string
}

// ConfigAdvice is one piece of advice a component's config adds for a check.
type ConfigAdvice struct {
	// Check matches a result by "kind/check", "probe/check" or "check"; "*"
	// or "" matches every check of the component.
	Check  string
	Text   string
	Action Action
	// Replace drops the built-in advice for the matched check.
	Replace bool
}

// Topology is the estate's graph: what the diagnosis walks. Components not
// in it (fleet instances created at run time) are leaves with no actions.
type Topology struct {
	Nodes map[string]*Node
	// dependents lists, per component, the components that depend on it.
	dependents map[string][]string
}

// NewTopology indexes nodes by name. Dependencies on names that are not
// nodes are kept (they are drawn as "not watched" hops) but lead nowhere.
func NewTopology(nodes []Node) *Topology {
	t := &Topology{Nodes: map[string]*Node{}, dependents: map[string][]string{}}
	for i := range nodes {
		n := nodes[i]
		t.Nodes[n.Name] = &n
	}
	for _, n := range nodes {
		for _, d := range n.DependsOn {
			if d != n.Name && !slices.Contains(t.dependents[d], n.Name) {
				t.dependents[d] = append(t.dependents[d], n.Name)
			}
		}
	}
	return t
}

// CoreTopology is a topology that knows only which components are core: for
// callers without a config (tests, a bare list of results).
func CoreTopology(core []string) *Topology {
	nodes := make([]Node, 0, len(core))
	for _, c := range core {
		nodes = append(nodes, Node{Name: c, Core: true})
	}
	return NewTopology(nodes)
}

// Core reports whether the component is core.
func (t *Topology) Core(name string) bool {
	if t == nil {
		return false
	}
	n, ok := t.Nodes[name]
	return ok && n.Core
}

// Enabled reports whether the component enables the action.
func (t *Topology) Enabled(name string, a Action) bool {
	if t == nil || a == NoAction {
		return false
	}
	n, ok := t.Nodes[name]
	return ok && n.Actions[a]
}

// Deps returns the component's direct dependencies.
func (t *Topology) Deps(name string) []string {
	if t == nil {
		return nil
	}
	if n, ok := t.Nodes[name]; ok {
		return n.DependsOn
	}
	return nil
}

// DependedOn reports whether any component depends on name.
func (t *Topology) DependedOn(name string) bool { return t != nil && len(t.dependents[name]) > 0 }

// node returns the component's node, or nil.
func (t *Topology) node(name string) *Node {
	if t == nil {
		return nil
	}
	return t.Nodes[name]
}

// above returns, for every component that depends on name directly or
// transitively, the next component on a shortest path down to name
// (name itself maps to ""), and those components in breadth-first order.
func (t *Topology) above(name string) (next map[string]string, order []string) {
	next = map[string]string{name: ""}
	order = []string{name}
	for i := 0; i < len(order); i++ {
		for _, up := range t.dependents[order[i]] {
			if _, seen := next[up]; !seen {
				next[up] = order[i]
				order = append(order, up)
			}
		}
	}
	return next, order
}

// reaches reports every component reachable from name through depends_on
// (name itself excluded), in breadth-first order.
func (t *Topology) reaches(name string) []string {
	seen := map[string]bool{name: true}
	var out []string
	queue := []string{name}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, d := range t.Deps(n) {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
				queue = append(queue, d)
			}
		}
	}
	return out
}
