package config

import (
	"fmt"

	"github.com/fivelayer/triage/probes"
)

// Targets builds one scheduler target per configured probe through its kind's
// New. A probe that cannot be built becomes an error naming it as
// component/id and is left out; the others still run.
func Targets(cfg *Config) ([]probes.Target, []error) {
	var (
		out  []probes.Target
		errs []error
	)
	for _, c := range cfg.Components {
		for _, s := range c.Probes {
			if s.Component == "" { // a Config built by hand rather than parsed
				s.Component = c.Name
			}
			if s.DefaultTimeout == 0 {
				s.DefaultTimeout = cfg.TimeoutD()
			}
			name := c.Name + "/" + s.ProbeID()
			kind, ok := lookupKind(s.Kind)
			if !ok || kind.New == nil {
				errs = append(errs, fmt.Errorf("%s: probe kind %q is not registered", name, s.Kind))
				continue
			}
			p, err := kind.New(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				continue
			}
			out = append(out, probes.Target{
				Component: c.Name,
				ProbeID:   s.ProbeID(),
				Kind:      s.Kind,
				Probe:     p,
				Timeout:   s.EffectiveTimeout(),
				Off:       s.Off(),
				Address:   s.Endpoint(),
			})
		}
	}
	return out, errs
}
