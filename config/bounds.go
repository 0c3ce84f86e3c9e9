package config

import (
	"fmt"
	"math"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkBounds reports a threshold (a mapping with warn and crit) whose
// bounds are not finite numbers, or whose crit is not at least as bad as
// its warn: both would grade every value the same way, silently.
func (d *decoder) checkBounds(n *yaml.Node, what string, below bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	bound := func(key string) (float64, *yaml.Node, bool) {
		_, v := child(n, key)
		if v == nil || v.Kind != yaml.ScalarNode || isNull(v) {
			return 0, nil, false
		}
		var f float64
		if v.Decode(&f) != nil {
			return 0, nil, false // the decoder reports the wrong type
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			d.errorf(v, "%s: %s must be a finite number, got %s", what, key, v.Value)
			return 0, nil, false
		}
		return f, v, true
	}
	warn, _, okW := bound("warn")
	crit, cv, okC := bound("crit")
	if !okW || !okC {
		return
	}
	switch {
	case !below && crit < warn:
		d.errorf(cv, "%s: crit %g is below warn %g; higher is worse here, so crit must be at least warn", what, crit, warn)
	case below && crit > warn:
		d.errorf(cv, "%s: crit %g is above warn %g; lower is worse here (days left), so crit must be at most warn", what, crit, warn)
	}
}

// checkThresholdMap checks each threshold of a `thresholds:` mapping whose
// keys name checks (below tells whether a key's check counts down).
func (d *decoder) checkThresholdMap(tv *yaml.Node, below func(key string) bool) {
	if tv == nil || tv.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(tv.Content); i += 2 {
		k := tv.Content[i]
		d.checkBounds(tv.Content[i+1], "thresholds: "+k.Value, below(k.Value))
	}
}

// checkCycles reports each depends_on cycle once, at the entry that closes
// it: a cycle makes every member both the cause and the symptom of the
// others, and the diagnosis could name none of them.
func (d *decoder) checkCycles(cfg *Config, nodes []*yaml.Node) {
	idx := map[string]int{}
	for i, c := range cfg.Components {
		if _, dup := idx[c.Name]; !dup && c.Name != "" {
			idx[c.Name] = i
		}
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]int, len(cfg.Components))
	var path []string
	var visit func(i int)
	visit = func(i int) {
		state[i] = onPath
		path = append(path, cfg.Components[i].Name)
		for j, dep := range cfg.Components[i].Knowledge.DependsOn {
			k, ok := idx[dep]
			if !ok || k == i {
				continue // unknown names and self-dependency are reported elsewhere
			}
			switch state[k] {
			case onPath:
				start := 0
				for p, name := range path {
					if name == dep {
						start = p
					}
				}
				cycle := append(append([]string(nil), path[start:]...), dep)
				d.errorf(depNode(nodes, i, j), "depends_on: cycle %s", strings.Join(cycle, " → "))
			case unseen:
				visit(k)
			}
		}
		path = path[:len(path)-1]
		state[i] = done
	}
	for i := range cfg.Components {
		if state[i] == unseen {
			visit(i)
		}
	}
}

// depNode is the node of component i's j-th depends_on entry, or the
// component's node when the file has none there.
func depNode(nodes []*yaml.Node, i, j int) *yaml.Node {
	if i >= len(nodes) {
		return nil
	}
	_, kv := child(nodes[i], "knowledge")
	_, dv := child(kv, "depends_on")
	if its := items(dv); j < len(its) {
		return its[j]
	}
	return nodes[i]
}

// ruleWhat names a prometheus rule in messages.
func ruleWhat(name string) string { return fmt.Sprintf("rules: %s", name) }
