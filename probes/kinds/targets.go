package kinds

import (
	"fmt"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
)

// Targets builds one scheduler target per configured probe through its
// kind's New in the Registry. A probe that cannot be built becomes an error
// naming it as component/id and is left out; the others still run.
func Targets(cfg *config.Config) ([]probes.Target, []error) {
	return registry.Targets(cfg)
}

// Targets is Targets with the kinds of m.
func (m Map) Targets(cfg *config.Config) ([]probes.Target, []error) {
	var (
		out  []probes.Target
		errs []error
	)
	for i, c := range cfg.Components {
		for j, s := range c.Probes {
			if s.Component == "" { // a Config built by hand rather than parsed
				s.Component = c.Name
			}
			if s.DefaultTimeout == 0 {
				s.DefaultTimeout = cfg.TimeoutD()
			}
			name := c.Name + "/" + s.ProbeID()
			line, col := cfg.ProbePosition(i, j)
			kind, ok := m.Lookup(s.Kind)
			if !ok || kind.New == nil {
				errs = append(errs, &TargetError{Probe: name, Line: line, Col: col, Err: fmt.Errorf("probe kind %q is not registered", s.Kind)})
				continue
			}
			p, err := kind.New(s)
			if err != nil {
				errs = append(errs, &TargetError{Probe: name, Line: line, Col: col, Err: err})
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

// TargetError is a probe that could not be built, with where it is written
// (Line 0 for a Config not parsed from a file).
type TargetError struct {
	Probe     string // component/id
	Line, Col int
	Err       error
}

// Error is "component/id: why".
func (e *TargetError) Error() string { return e.Probe + ": " + e.Err.Error() }

// Unwrap returns why.
func (e *TargetError) Unwrap() error { return e.Err }
