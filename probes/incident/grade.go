package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
)

// Grade is the estate's severity, the runbook's four grades plus green.
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

// Meaning is the runbook's one-line meaning of the grade.
func (g Grade) Meaning() string { return gradeInfo[g].meaning }

// RestoreTarget is what must be restored by when (runbook's table).
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
	// Watched is false when the layer has no check at all ("not watched").
	Watched bool
}

// Assessment is the graded and diagnosed estate.
type Assessment struct {
	Grade  Grade
	Reason string // the root cause of the worst grade, in words
	Layers []LayerStatus
	// Causes are the layers of the root causes, best-ranked first (each once).
	Causes []probes.Layer
	// Diagnosis is the one diagnosis every view reads.
	Diagnosis Diagnosis
	// Topology is the graph the grade and diagnosis used: the config's,
	// with the core role moved to whichever member of a switchover pair is
	// primary now.
	Topology *Topology
	// Roles names the components whose role differs from the config's
	// ("primary now", "replica now").
	Roles map[string]string
}

// Assess grades and diagnoses results (statuses must already have `for:`
// applied). The grade is by impact (docs/diagnosis.md): red when a
// user-facing check of a core component is crit; orange for any other crit;
// yellow for a non-latent warn or a user-facing unknown; blue when only
// latent checks warn; green otherwise. A warm-up result does not grade; the
// observer (the machine triage runs on) raises at most yellow. The reason
// names the best-ranked root cause that raises the grade.
func Assess(results []probes.Result, topo *Topology) Assessment {
	if topo == nil {
		topo = NewTopology(nil)
	}
	topo, roles := followRoles(results, topo)
	a := Assessment{Grade: Green, Reason: "all checks ok", Topology: topo, Roles: roles}
	byLayer := map[probes.Layer]*LayerStatus{}
	for _, l := range probes.Layers {
		byLayer[l] = &LayerStatus{Layer: l, Counts: map[probes.Status]int{}}
	}
	byID := indexByID(results)
	for _, r := range results {
		if ls, ok := byLayer[r.Layer]; ok {
			ls.Watched = true
			if r.Warmup {
				continue // a rate's first sample: nothing measured yet, nothing to grade
			}
			ls.Counts[r.Status]++
			ls.Status = probes.Worst(ls.Status, r.Status)
		}
		a.Grade = max(a.Grade, gradeOf(r, topo))
	}
	a.Diagnosis = Diagnose(results, topo)
	seen := map[probes.Layer]bool{}
	for _, rc := range a.Diagnosis.RootCauses {
		if !seen[rc.Layer] {
			seen[rc.Layer] = true
			a.Causes = append(a.Causes, rc.Layer)
		}
	}
	for _, l := range probes.Layers {
		a.Layers = append(a.Layers, *byLayer[l])
	}
	if a.Grade == Green {
		return a
	}
	a.Reason = reason(a.Grade, a.Diagnosis, byID, topo)
	return a
}

// reason says what raised the grade: the best-ranked root cause of that
// grade, else the observer's check that did.
func reason(g Grade, d Diagnosis, byID resultIndex, topo *Topology) string {
	for _, rc := range d.RootCauses {
		if rc.Grade == g {
			s := fmt.Sprintf("%s %s: %s", rc.CheckID, rc.Status, oneClause(rc.Summary))
			if len(rc.Chain) > 1 {
				s += " (" + strings.Join(rc.Chain, " → ") + ")"
			}
			return s
		}
	}
	for _, id := range d.Observer {
		if r := byID.get(id); gradeOf(r, topo) == g {
			return fmt.Sprintf("the machine triage runs on, not an estate cause: %s %s: %s", id, r.Status, oneClause(r.Summary))
		}
	}
	for _, id := range d.Unexplained {
		if r := byID.get(id); gradeOf(r, topo) == g {
			return fmt.Sprintf("%s %s: %s", id, r.Status, oneClause(r.Summary))
		}
	}
	return g.Meaning()
}

func oneClause(s string) string { return short(s) }

// resultIndex finds a result by check id without copying every result into
// a map: an estate may have ten thousand.
type resultIndex map[string]*probes.Result

// indexByID indexes results, which must not change while it is used; the
// last of two results with one id wins.
func indexByID(results []probes.Result) resultIndex {
	ix := make(resultIndex, len(results))
	for i := range results {
		ix[results[i].ID] = &results[i]
	}
	return ix
}

// get is the result with id, or the zero result.
func (ix resultIndex) get(id string) probes.Result {
	if r, ok := ix[id]; ok {
		return *r
	}
	return probes.Result{}
}
