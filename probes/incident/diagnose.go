package incident

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// Advice is one thing to do about a root cause; Action is the guarded
// action it offers (only one enabled on the cause's component), or none.
type Advice struct {
	Text   string `json:"text"`
	Action Action `json:"action"`
}

// MarshalJSON writes {text, action} with action null when there is none.
func (a Advice) MarshalJSON() ([]byte, error) {
	var act *string
	if a.Action != NoAction {
		s := string(a.Action)
		act = &s
	}
	return json.Marshal(struct {
		Text   string  `json:"text"`
		Action *string `json:"action"`
	}{a.Text, act})
}

// RootCause is one failing check that nothing failing below it explains.
type RootCause struct {
	CheckID   string        `json:"check_id"`
	Component string        `json:"component"`
	Layer     probes.Layer  `json:"layer"`
	Status    probes.Status `json:"status"`
	Impact    probes.Impact `json:"impact"`
	Summary   string        `json:"summary"`
	// Chain lists components from the core entry point (or the topmost
	// failing dependent) down to the cause's component.
	Chain []string `json:"chain"`
	// ChainText says the chain in words, what users see first:
	// "nginx http/status crit: 502 ← invoice-api tcp/connect crit: refused".
	ChainText string `json:"chain_text"`
	// Explains lists the failing checks this cause accounts for (its own
	// component's and its dependents'), not including its own check.
	Explains []string `json:"explains"`
	Advice   []Advice `json:"advice"`
	// CoreImpact says the cause explains a user-facing failure of a core
	// component: what ranks it first.
	CoreImpact bool `json:"core_impact"`
	// Grade is the worst grade its own check and the checks it explains raise.
	Grade Grade `json:"grade"`
}

// Diagnosis is the one answer to "where does it break": shared by the
// header, the incident pane, the guide, the path view, the drill-down, the
// report and `triage check`. The rules are in docs/diagnosis.md.
type Diagnosis struct {
	RootCauses []RootCause `json:"root_causes"`
	// Unexplained are failing checks no cause accounts for: an internal
	// check that cannot see, on a component with nothing else failing.
	Unexplained []string `json:"unexplained"`
	// NotWatched are layers with no check at all.
	NotWatched []probes.Layer `json:"not_watched"`
	// Observer are failing checks of the machine triage runs on (a host
	// probe nothing depends on): shown, never an estate cause.
	Observer []string `json:"observer"`
}

// Top is the first-ranked root cause, or nil.
func (d Diagnosis) Top() *RootCause {
	if len(d.RootCauses) == 0 {
		return nil
	}
	return &d.RootCauses[0]
}

// IsObserver reports a result of the machine triage runs on that nothing in
// the estate depends on: the local host probe. It grades at most yellow and
// is never a root cause of the estate.
func IsObserver(r probes.Result, topo *Topology) bool {
	return r.Kind == "host" && !topo.DependedOn(r.Component)
}

// gradeOf is the grade one result raises on its own (docs/diagnosis.md):
// red for a crit user-facing check of a core component, orange for any
// other crit, yellow for a non-latent warn or a user-facing unknown, blue
// for a latent warn. The observer's checks raise at most yellow.
func gradeOf(r probes.Result, topo *Topology) Grade {
	if r.Warmup {
		return Green
	}
	var g Grade
	switch {
	case r.Status == probes.Crit && r.Impact == probes.UserFacing && topo.Core(r.Component):
		g = Red
	case r.Status == probes.Crit:
		g = Orange
	case r.Status == probes.Warn && r.Impact != probes.Latent:
		g = Yellow
	case r.Status == probes.Unknown && r.Impact == probes.UserFacing:
		g = Yellow
	case r.Status == probes.Warn:
		g = Blue
	}
	if g > Yellow && IsObserver(r, topo) {
		g = Yellow
	}
	return g
}

// failingNow is a result that asks for attention (a warm-up does not).
func failingNow(r probes.Result) bool { return r.Status != probes.OK && !r.Warmup }

// rank orders statuses for ranking causes: crit, then warn, then unknown (a
// check that cannot see is weaker evidence than one that sees a problem).
func rank(s probes.Status) int { return [...]int{0, 2, 3, 1}[s] }

// Diagnose finds the root causes of the failing results over the topology.
func Diagnose(results []probes.Result, topo *Topology) Diagnosis {
	if topo == nil {
		topo = NewTopology(nil)
	}
	d := Diagnosis{RootCauses: []RootCause{}, Unexplained: []string{}, NotWatched: []probes.Layer{}, Observer: []string{}}
	watched := map[probes.Layer]bool{}
	byID := indexByID(results)
	byComp := map[string][]probes.Result{} // failing, observer excluded
	var comps []string
	for _, r := range results {
		watched[r.Layer] = true
		if !failingNow(r) {
			continue
		}
		if IsObserver(r, topo) {
			d.Observer = append(d.Observer, r.ID)
			continue
		}
		if _, ok := byComp[r.Component]; !ok {
			comps = append(comps, r.Component)
		}
		byComp[r.Component] = append(byComp[r.Component], r)
	}
	for _, l := range probes.Layers {
		if !watched[l] {
			d.NotWatched = append(d.NotWatched, l)
		}
	}
	// A component is down for the graph when something on it fails that is
	// not a latent risk and not merely a check that cannot see.
	down := map[string]bool{}
	for c, rs := range byComp {
		for _, r := range rs {
			if r.Impact != probes.Latent && (r.Status != probes.Unknown || r.Impact == probes.UserFacing) {
				down[c] = true
			}
		}
	}
	// A component that cannot be reached at all is a cause in its own
	// right: nothing below it explains a refused or silent port.
	self := map[string]bool{}
	for c, rs := range byComp {
		for _, r := range rs {
			if unreachable(r) {
				self[c] = true
			}
		}
	}
	// roots[c]: what explains c's failures — the nearest down components
	// below it that are unreachable or have nothing down below them.
	// Healthy components are passed through (c → cache ok → db down);
	// components on a dependency cycle with c do not explain it.
	var rootsOf func(c string, stack map[string]bool) []string
	rootsOf = func(c string, stack map[string]bool) []string {
		stack[c] = true
		defer delete(stack, c)
		var out []string
		seen := map[string]bool{}
		var walk func(x string)
		walk = func(x string) {
			for _, dep := range topo.Deps(x) {
				if seen[dep] || stack[dep] {
					continue
				}
				seen[dep] = true
				switch sub := []string(nil); {
				case !down[dep]:
					walk(dep)
				case self[dep]:
					out = append(out, dep)
				default:
					if sub = rootsOf(dep, stack); len(sub) == 0 {
						out = append(out, dep)
					}
					out = append(out, sub...)
				}
			}
		}
		walk(c)
		slices.Sort(out)
		return slices.Compact(out)
	}
	roots := map[string][]string{}
	for c := range down {
		if !self[c] {
			if rs := rootsOf(c, map[string]bool{}); len(rs) > 0 {
				roots[c] = rs
			}
		}
	}
	covered := map[string]bool{}
	causeAt := map[string]int{} // root component → index of its primary cause
	sort.Strings(comps)
	for _, c := range comps {
		if down[c] && len(roots[c]) > 0 {
			continue // a symptom: handled by its roots below
		}
		d.RootCauses = append(d.RootCauses, componentCauses(c, byComp[c], down[c], causeAt, len(d.RootCauses))...)
	}
	// Symptoms: everything failing on a component whose failure a root below explains.
	for _, c := range comps {
		if !down[c] || len(roots[c]) == 0 {
			continue
		}
		for _, r := range byComp[c] {
			if r.Impact == probes.Latent && r.Status != probes.Unknown || ownResource(r) {
				d.RootCauses = append(d.RootCauses, newCause(r))
				continue
			}
			for _, root := range roots[c] {
				if i, ok := causeAt[root]; ok {
					d.RootCauses[i].Explains = append(d.RootCauses[i].Explains, r.ID)
				}
			}
		}
	}
	for i := range d.RootCauses {
		rc := &d.RootCauses[i]
		covered[rc.CheckID] = true
		rc.Grade = gradeOf(byID.get(rc.CheckID), topo)
		for _, id := range rc.Explains {
			covered[id] = true
			r := byID.get(id)
			rc.Grade = max(rc.Grade, gradeOf(r, topo))
			if r.Impact == probes.UserFacing && r.Status == probes.Crit && topo.Core(r.Component) {
				rc.CoreImpact = true
			}
		}
		if r := byID.get(rc.CheckID); r.Impact == probes.UserFacing && r.Status == probes.Crit && topo.Core(r.Component) {
			rc.CoreImpact = true
		}
		rc.Chain, rc.ChainText = chain(rc, topo, byComp, roots)
		rc.Advice = Advise(byID.get(rc.CheckID), byComp[rc.Component], topo)
	}
	for _, c := range comps {
		for _, r := range byComp[c] {
			if !covered[r.ID] {
				d.Unexplained = append(d.Unexplained, r.ID)
			}
		}
	}
	sort.SliceStable(d.RootCauses, func(i, j int) bool { return ranksBefore(d.RootCauses[i], d.RootCauses[j]) })
	return d
}

// ranksBefore orders causes: explains a core user-facing failure, then the
// grade it raises, then status, then the runbook's layer weight (a prior, not
// evidence), then the check id for a stable order.
func ranksBefore(a, b RootCause) bool {
	if a.CoreImpact != b.CoreImpact {
		return a.CoreImpact
	}
	if a.Grade != b.Grade {
		return a.Grade > b.Grade
	}
	if ra, rb := rank(a.Status), rank(b.Status); ra != rb {
		return ra > rb
	}
	if a.Layer.Weight() != b.Layer.Weight() {
		return a.Layer.Weight() > b.Layer.Weight()
	}
	return a.CheckID < b.CheckID
}

func newCause(r probes.Result) RootCause {
	return RootCause{CheckID: r.ID, Component: r.Component, Layer: r.Layer, Status: r.Status, Impact: r.Impact,
		Summary: r.Summary, Explains: []string{}}
}

// componentCauses splits one root component's failures into causes: the
// primary one explains the component's user-facing failures and what it
// is known to cause (lockExplains); other internal problems stand on their
// own; latent risks are causes of their own; internal checks that cannot
// see are explained by the primary cause when there is one.
func componentCauses(c string, rs []probes.Result, down bool, causeAt map[string]int, base int) []RootCause {
	var internal, facing, latent, blind []probes.Result
	for _, r := range rs {
		switch {
		case r.Impact == probes.Latent && r.Status != probes.Unknown:
			latent = append(latent, r)
		case r.Impact == probes.UserFacing:
			facing = append(facing, r)
		case r.Status == probes.Unknown:
			blind = append(blind, r)
		default:
			internal = append(internal, r)
		}
	}
	better := func(list []probes.Result) {
		sort.SliceStable(list, func(i, j int) bool {
			if ri, rj := rank(list[i].Status), rank(list[j].Status); ri != rj {
				return ri > rj
			}
			return list[i].Layer.Weight() > list[j].Layer.Weight()
		})
	}
	better(internal)
	better(facing)
	sort.SliceStable(facing, func(i, j int) bool { return unreachable(facing[i]) && !unreachable(facing[j]) })
	// The primary cause is the internal check when it is crit, at least as
	// bad as the worst user-facing one, or known to cause it — unless the
	// component cannot be reached at all, which nothing inside explains.
	internalLeads := len(internal) > 0 && (len(facing) == 0 || !unreachable(facing[0])) &&
		(len(facing) == 0 || internal[0].Status == probes.Crit ||
			rank(internal[0].Status) >= rank(facing[0].Status) || explainsWithin(internal[0], facing[0]))
	var out []RootCause
	switch {
	case internalLeads:
		rc := newCause(internal[0])
		for _, f := range facing {
			rc.Explains = append(rc.Explains, f.ID)
		}
		out = append(out, rc)
		for _, o := range internal[1:] {
			if explainsWithin(internal[0], o) {
				out[0].Explains = append(out[0].Explains, o.ID)
			} else {
				out = append(out, newCause(o))
			}
		}
	case len(facing) > 0:
		rc := newCause(facing[0])
		for _, f := range facing[1:] {
			rc.Explains = append(rc.Explains, f.ID)
		}
		out = append(out, rc)
		for _, o := range internal {
			out = append(out, newCause(o))
		}
	}
	if len(out) > 0 {
		for _, b := range blind {
			out[0].Explains = append(out[0].Explains, b.ID)
		}
		if down {
			causeAt[c] = base
		}
	}
	for _, l := range latent {
		out = append(out, newCause(l))
	}
	return out
}

// within lists, per check, the checks of the same component it is known to
// cause: a lock wait makes transactions long and history grow; memory
// pressure brings swap and OOM kills.
var within = map[string][]string{
	"lock_waits":        {"long_transactions", "history_length"},
	"long_transactions": {"history_length", "lock_waits"},
	"deadlocks":         {"lock_waits"},
	"memory":            {"swap", "oom", "evictions"},
	"cpu":               {"load"},
	"disk":              {"inodes", "iops"},
	"clients":           {"rejected"},
	"pool":              {"circuit_breaker"},
	"connections":       {"auth_failures"},
}

// unreachable is a user-facing failure to reach the component at all: a
// check that failed with a connection error or a timeout, or a network
// check (a refused or lossy connect, a failed lookup). The exception is an
// HTTP round trip that got its answer, only slowly: the time to answer
// includes the application's own work, so a lock wait or a saturated pool
// below it explains the slowness, and the component is a symptom, not a
// cause (the lab's lock wait made invoice-api's health check slow and put
// the API ahead of the database).
func unreachable(r probes.Result) bool {
	if r.Impact != probes.UserFacing || r.Status == probes.Unknown {
		return false
	}
	if r.Err != "" || r.TimedOut {
		return true
	}
	answeredSlowly := r.Kind == "http" && r.Check == "reachability"
	return r.Layer == probes.Network && !answeredSlowly
}

// ownResource is a component's own saturation on the server layer (its
// CPU, memory, disk, descriptors): a failing dependency makes requests
// slow or failing, but it does not burn the dependent's CPU, so such a
// failure stays a cause of its own beside whatever explains the
// component's other symptoms (a CPU hog in the API with a momentary lock
// wait below is still the CPU hog).
func ownResource(r probes.Result) bool {
	return r.Layer == probes.Server && r.Impact != probes.UserFacing && r.Status == probes.Crit
}

func explainsWithin(cause, other probes.Result) bool {
	return slices.Contains(within[cause.Check], other.Check)
}

// chain finds the components from what users see down to the cause: the
// candidates are the core components and the symptoms the cause explains
// that depend on it; the path is a shortest one from a candidate, the one
// through the most failing components (then the longest) winning.
func chain(rc *RootCause, topo *Topology, byComp map[string][]probes.Result, roots map[string][]string) ([]string, string) {
	failing := func(c string) bool { return len(byComp[c]) > 0 }
	next, order := topo.above(rc.Component)
	var best []string
	for _, c := range order {
		if !topo.Core(c) && !slices.Contains(roots[c], rc.Component) {
			continue
		}
		var p []string
		for x := c; x != ""; x = next[x] {
			p = append(p, x)
		}
		if best == nil || betterPath(p, best, failing) {
			best = p
		}
	}
	if best == nil {
		best = []string{rc.Component}
	}
	parts := make([]string, len(best))
	for i, c := range best {
		parts[i] = hopWords(c, byComp[c], rc)
	}
	return best, strings.Join(parts, " ← ")
}

// betterPath prefers the path through more failing components, then the longer one
// (it starts further up, nearer what users see).
func betterPath(a, b []string, failing func(string) bool) bool {
	fa, fb := 0, 0
	for _, c := range a {
		if failing(c) {
			fa++
		}
	}
	for _, c := range b {
		if failing(c) {
			fb++
		}
	}
	if fa != fb {
		return fa > fb
	}
	return len(a) > len(b)
}

// hopWords is one hop of the chain: the component and what it shows.
func hopWords(c string, rs []probes.Result, rc *RootCause) string {
	if c == rc.Component {
		_, probe, check := splitID(rc.CheckID)
		return fmt.Sprintf("%s %s/%s %s: %s", c, probe, check, rc.Status, short(rc.Summary))
	}
	var worst *probes.Result
	for i := range rs {
		r := &rs[i]
		if worst == nil || (r.Impact == probes.UserFacing && worst.Impact != probes.UserFacing) ||
			(r.Impact == worst.Impact && rank(r.Status) > rank(worst.Status)) {
			worst = r
		}
	}
	if worst == nil {
		return c + " ok"
	}
	return fmt.Sprintf("%s %s/%s %s: %s", c, worst.Probe, worst.Check, worst.Status, short(worst.Summary))
}

func splitID(id string) (comp, probe, check string) {
	parts := strings.SplitN(id, "/", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

// short keeps a summary to one readable clause.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}
