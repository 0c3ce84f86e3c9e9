package incident

import (
	"slices"

	"github.com/fivelayer/triage/probes"
)

// roleOf is the database role a component's mysql probe reports now
// ("primary", "replica"), or "" when it does not know (unreachable, no
// mysql probe).
func roleOf(results []probes.Result, component string) string {
	for _, r := range results {
		if r.Component == component && r.Kind == "mysql" && r.Status != probes.Unknown {
			if role, ok := r.Evidence["role"].(string); ok && role != "" {
				return role
			}
		}
	}
	return ""
}

// followRoles moves the core role, and the replication dependency, to the
// member of a switchover pair that is primary now: after a switchover the
// config's names point at swapped roles, and the grade must follow what
// serves the writes. It returns topo unchanged when no pair has swapped,
// else a copy, and the components whose role changed ("primary now",
// "replica now").
func followRoles(results []probes.Result, topo *Topology) (*Topology, map[string]string) {
	var swapped map[string]string
	nodes := make([]Node, 0, len(topo.Nodes))
	for _, n := range topo.Nodes {
		nodes = append(nodes, *n)
	}
	byName := map[string]int{}
	for i, n := range nodes {
		byName[n.Name] = i
	}
	for _, n := range topo.Nodes {
		si, ok := byName[n.Standby]
		if n.Standby == "" || !ok {
			continue
		}
		if roleOf(results, n.Standby) != "primary" || roleOf(results, n.Name) == "primary" {
			continue // not swapped (or two primaries: nothing to follow)
		}
		if swapped == nil {
			swapped = map[string]string{}
		}
		swapped[n.Name], swapped[n.Standby] = "replica now", "primary now"
		pi := byName[n.Name]
		p, s := &nodes[pi], &nodes[si]
		p.Core, s.Core = s.Core, p.Core || s.Core
		s.DependsOn = slices.DeleteFunc(slices.Clone(s.DependsOn), func(d string) bool { return d == p.Name })
		if !slices.Contains(p.DependsOn, s.Name) {
			p.DependsOn = append(slices.Clone(p.DependsOn), s.Name)
		}
		// What depended on the old primary now depends on the new one.
		for i := range nodes {
			if i != pi && i != si && slices.Contains(nodes[i].DependsOn, p.Name) && !slices.Contains(nodes[i].DependsOn, s.Name) {
				nodes[i].DependsOn = append(slices.DeleteFunc(slices.Clone(nodes[i].DependsOn), func(d string) bool { return d == p.Name }), s.Name)
			}
		}
	}
	if swapped == nil {
		return topo, nil
	}
	return NewTopology(nodes), swapped
}
