package incident

import "sort"

// Action names a guarded remediation as the diagnosis offers it; the empty
// Action is advice without a key (it writes as JSON null).
type Action string

// Actions the advice may offer (the names `check --format json` uses).
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
	return map[Action]string{KillSession: "K", KillQuery: "Q", Restart: "R", Switchover: "S", Failover: "F"}[a]
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
	// dependents counts, per component, the components that depend on it.
	dependents map[string]int
}

// NewTopology indexes nodes by name. Dependencies on names that are not
// nodes are kept (they are drawn as "not watched" hops) but lead nowhere.
func NewTopology(nodes []Node) *Topology {
	t := &Topology{Nodes: map[string]*Node{}, dependents: map[string]int{}}
	for i := range nodes {
		n := nodes[i]
		t.Nodes[n.Name] = &n
	}
	for _, n := range t.Nodes {
		for _, d := range n.DependsOn {
			if d != n.Name {
				t.dependents[d]++
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

// CoreNames lists the core components, sorted.
func (t *Topology) CoreNames() []string {
	var out []string
	if t == nil {
		return nil
	}
	for name, n := range t.Nodes {
		if n.Core {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
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
func (t *Topology) DependedOn(name string) bool { return t != nil && t.dependents[name] > 0 }

// node returns the component's node, or nil.
func (t *Topology) node(name string) *Node {
	if t == nil {
		return nil
	}
	return t.Nodes[name]
}

// path is the shortest dependency path from one component to another
// (both included), nil when to is not reachable; prefer, when given, says
// which intermediate components a path should rather pass through.
func (t *Topology) path(from, to string, prefer func(string) bool) []string {
	if from == to {
		return []string{from}
	}
	type item struct {
		name string
		path []string
	}
	var best []string
	bestScore := -1
	seen := map[string]int{from: 0}
	queue := []item{{from, []string{from}}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if best != nil && len(it.path) >= len(best) {
			break // every later path is longer
		}
		for _, d := range t.Deps(it.name) {
			p := append(append([]string(nil), it.path...), d)
			if d == to {
				score := 0
				for _, c := range p[1 : len(p)-1] {
					if prefer != nil && prefer(c) {
						score++
					}
				}
				if best == nil || score > bestScore {
					best, bestScore = p, score
				}
				continue
			}
			if l, ok := seen[d]; ok && l < len(p) {
				continue
			}
			seen[d] = len(p)
			queue = append(queue, item{d, p})
		}
	}
	return best
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
