package incident

import (
	"fmt"
	"sort"
	"time"

	"github.com/fivelayer/triage/probes"
)

// Grade is the estate's severity, the seed's four grades plus green.
type Grade int

// Grades, least severe first.
const (
	Green Grade = iota
	Blue
	Yellow
	Orange
	Red
)

var gradeInfo = [...]struct {
	name, meaning, target string
	deadline              time.Duration
}{
	Green:  {"green", "all checks ok", "", 0},
	Blue:   {"blue", "latent risk", "within 24 h", 24 * time.Hour},
	Yellow: {"yellow", "degraded", "within 8 h", 8 * time.Hour},
	Orange: {"orange", "partial outage", "key modules in 2 h", 4 * time.Hour},
	Red:    {"red", "system down", "basic function in 30 min", time.Hour},
}

func (g Grade) String() string { return gradeInfo[g].name }

// MarshalText writes the grade's name.
func (g Grade) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

// Meaning is the seed's one-line meaning of the grade.
func (g Grade) Meaning() string { return gradeInfo[g].meaning }

// RestoreTarget is what must be restored by when (seed's table).
func (g Grade) RestoreTarget() string { return gradeInfo[g].target }

// Deadline is how long after the incident starts the grade must be resolved; 0 for green.
func (g Grade) Deadline() time.Duration { return gradeInfo[g].deadline }

// ExitCode is `triage check`'s exit code for the grade: 0 green, 1 blue or
// yellow, 2 orange or red.
func (g Grade) ExitCode() int { return [...]int{0, 1, 1, 2, 2}[g] }

// LayerStatus is one layer's worst status and its checks' counts.
type LayerStatus struct {
	Layer  probes.Layer
	Status probes.Status
	Counts map[probes.Status]int
}

// Assessment is the graded estate.
type Assessment struct {
	Grade  Grade
	Reason string // the check that set the grade, in words
	Layers []LayerStatus
	// Causes ranks failing layers: worst status first, then the seed's weight.
	Causes []probes.Layer
}

// Assess grades results under the SPEC §4 rule, in order: red if a core
// component has a crit check; orange if any other check is crit; yellow if any
// non-latent check is warn or unknown; blue if only latent-risk checks are
// warn or unknown; green otherwise. Statuses must already have `for:` applied.
// A warm-up result (a rate's first sample) does not grade.
func Assess(results []probes.Result, core map[string]bool) Assessment {
	a := Assessment{Grade: Green, Reason: "all checks ok"}
	byLayer := map[probes.Layer]*LayerStatus{}
	for _, l := range probes.Layers {
		ls := &LayerStatus{Layer: l, Counts: map[probes.Status]int{}}
		byLayer[l] = ls
	}
	raise := func(g Grade, why string) {
		if g > a.Grade {
			a.Grade, a.Reason = g, why
		}
	}
	for _, r := range results {
		if r.Warmup {
			continue // a rate's first sample: nothing measured yet, nothing to grade
		}
		if ls, ok := byLayer[r.Layer]; ok {
			ls.Counts[r.Status]++
			ls.Status = probes.Worst(ls.Status, r.Status)
		}
		switch {
		case r.Status == probes.Crit && core[r.Component]:
			raise(Red, fmt.Sprintf("%s crit on core component %s", r.ID, r.Component))
		case r.Status == probes.Crit:
			raise(Orange, fmt.Sprintf("%s crit", r.ID))
		case (r.Status == probes.Warn || r.Status == probes.Unknown) && !r.Latent:
			raise(Yellow, fmt.Sprintf("%s %s", r.ID, r.Status))
		case r.Status == probes.Warn || r.Status == probes.Unknown:
			raise(Blue, fmt.Sprintf("%s %s (latent risk)", r.ID, r.Status))
		}
	}
	for _, l := range probes.Layers {
		a.Layers = append(a.Layers, *byLayer[l])
		if byLayer[l].Status != probes.OK {
			a.Causes = append(a.Causes, l)
		}
	}
	sort.SliceStable(a.Causes, func(i, j int) bool {
		si, sj := byLayer[a.Causes[i]].Status, byLayer[a.Causes[j]].Status
		if si != sj {
			return si.Worse(sj)
		}
		return a.Causes[i].Weight() > a.Causes[j].Weight()
	})
	return a
}
