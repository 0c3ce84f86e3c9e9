package drill

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/fivelayer/triage/probes/lab/training"
)

// Special names --drill takes besides a fault key.
const (
	PickRandom = "random"
	PickSeries = "series"
)

// ErrNoDrill is returned by Pick for a name no drillable fault has.
var ErrNoDrill = errors.New("no such drill")

// Pick resolves --drill NAME against the estate's faults: a fault key
// plays that fault, "random" one drillable fault and "series" every
// drillable fault once, both in an order drawn from seed (the same seed,
// the same order).
func Pick(name string, seed uint64, faults []training.Fault) ([]string, error) {
	d := Drillable(faults)
	if len(d) == 0 {
		return nil, fmt.Errorf("%w: this estate has no drillable fault", ErrNoDrill)
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	switch name {
	case PickRandom:
		return []string{d[r.IntN(len(d))]}, nil
	case PickSeries:
		out := slices.Clone(d)
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out, nil
	}
	if slices.Contains(d, name) {
		return []string{name}, nil
	}
	for _, f := range faults {
		if f.Key == name && f.Unavailable != "" {
			return nil, fmt.Errorf("%w %q: %s", ErrNoDrill, name, f.Unavailable)
		}
		if f.Key == name {
			return nil, fmt.Errorf("%w %q: no guarded action clears it; drillable: %s", ErrNoDrill, name, strings.Join(d, ", "))
		}
	}
	return nil, fmt.Errorf("%w %q: want random, series or one of %s", ErrNoDrill, name, strings.Join(d, ", "))
}
