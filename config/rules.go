package config

import (
	"github.com/fivelayer/triage/probes/export"
)

// RuleSource is what `triage rules export` needs from the config: each
// probe's checks with their configured thresholds (global `kind.check` ones
// merged in), the alerting.rules overrides and the topology for severities
// and advice. Each probe's checks are its kind's in ks.
func (c *Config) RuleSource(ks Kinds) export.RuleSource {
	ks = orNone(ks)
	src := export.RuleSource{Estate: c.Estate, Interval: c.IntervalD(), Timeout: c.TimeoutD(), Topology: c.Topology()}
	for _, comp := range c.Components {
		for _, s := range comp.Probes {
			kind, ok := ks.Lookup(s.Kind)
			if !ok {
				continue
			}
			off := s.Off()
			p := export.RuleProbe{Component: comp.Name, Probe: s.ProbeID(), Kind: s.Kind, Thresholds: s.Thresholds}
			for _, ch := range kind.Checks {
				if !off[ch.Name] {
					p.Checks = append(p.Checks, ch)
				}
			}
			src.Probes = append(src.Probes, p)
		}
	}
	for _, r := range c.Alerting.Rules {
		src.Overrides = append(src.Overrides, export.RuleOverride{
			Match: r.Matches, Severity: r.Severity, Summary: r.Summary,
			Description: r.Description, Runbook: r.Runbook, For: r.For.D(),
		})
	}
	return src
}
