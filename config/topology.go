package config

import (
	"slices"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// Topology is the estate's graph for the diagnosis: each component's
// dependencies, whether it is core, the actions it enables and its own
// advice. A switchover standby depends on its primary (it replicates from
// it), so a replica failing because its primary is down is a symptom.
func (c *Config) Topology() *incident.Topology {
	core := map[string]bool{}
	for _, n := range c.Core {
		core[n] = true
	}
	standbyOf := map[string]string{}
	for _, comp := range c.Components {
		if sw := comp.Actions.Switchover; sw != nil && sw.Standby != "" {
			standbyOf[sw.Standby] = comp.Name
		}
	}
	nodes := make([]incident.Node, 0, len(c.Components))
	for _, comp := range c.Components {
		n := incident.Node{Name: comp.Name, Core: core[comp.Name], Actions: map[incident.Action]bool{},
			DependsOn: slices.Clone(comp.Knowledge.DependsOn)}
		if p, ok := standbyOf[comp.Name]; ok && !slices.Contains(n.DependsOn, p) {
			n.DependsOn = append(n.DependsOn, p)
		}
		for _, s := range catalog.All() {
			if comp.Actions.Enables(s.Kind) {
				n.Actions[incident.Action(s.Name)] = true
			}
		}
		if sw := comp.Actions.Switchover; sw != nil {
			n.Standby = sw.Standby
		}
		for _, adv := range comp.Knowledge.Advice {
			n.Advice = append(n.Advice, incident.ConfigAdvice{Check: adv.Check, Text: adv.Text,
				Action: incident.Action(adv.Action), Replace: adv.Replace})
		}
		nodes = append(nodes, n)
	}
	for name := range core { // a core name with no component still counts as core
		if _, ok := c.Component(name); !ok {
			nodes = append(nodes, incident.Node{Name: name, Core: true})
		}
	}
	return incident.NewTopology(nodes)
}
