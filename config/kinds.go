package config

import (
	"github.com/fivelayer/triage/probes"
)

// Kinds is what config asks of the probe-kind registry: a kind's keys,
// required keys and checks by name, and every registered name. Config keeps
// no list of kinds of its own and never builds a probe; probes/kinds
// implements Kinds (its Registry) and turns a parsed Config into running
// probes (docs/layers.md).
type Kinds interface {
	// Lookup returns the kind registered under name.
	Lookup(name string) (probes.Kind, bool)
	// Names lists the registered kinds, sorted.
	Names() []string
}

// noKinds is the registry with nothing in it (a nil Kinds).
type noKinds struct{}

func (noKinds) Lookup(string) (probes.Kind, bool) { return probes.Kind{}, false }
func (noKinds) Names() []string                   { return nil }

// orNone is ks, or the empty registry when ks is nil.
func orNone(ks Kinds) Kinds {
	if ks == nil {
		return noKinds{}
	}
	return ks
}

// lowerIsWorse reports whether a kind's check counts down (days left on a
// certificate) rather than up like every other built-in check.
func lowerIsWorse(kind probes.Kind, check string) bool {
	for _, c := range kind.Checks {
		if c.Name == check {
			return c.Below
		}
	}
	return false
}
