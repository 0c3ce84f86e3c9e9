package pathview

import (
	"strings"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Hop is one component on the path.
type Hop struct {
	Name    string
	Prefix  string // tree drawing: "├─ ", "│  └─ "
	Status  probes.Status
	Probed  bool   // at least one of its checks has a result
	Watched bool   // it has checks at all
	Worst   string // the worst check and its summary
	Breaks  bool   // the root cause's hop, crit: the connection breaks here
	Degrade bool   // the root cause's hop when it only warns
	// Cause is the root cause on this hop (check id and summary), and
	// SymptomOf the component whose cause explains this hop's failures.
	Cause     string
	SymptomOf string
}

// Hops walks component and its depends_on depth first, each component once.
func Hops(ctx *common.Context, component string) []Hop {
	var out []Hop
	seen := map[string]bool{}
	var walk func(name, prefix, branch string)
	walk = func(name, prefix, branch string) {
		seen[name] = true
		h := Hop{Name: text.Sanitize(name), Prefix: prefix + branch}
		h.Status, h.Probed = probes.OK, false
		if st, worst, ok := ctx.Estate.ComponentStatus(name); ok {
			h.Status, h.Probed = st, true
			if st != probes.OK {
				h.Worst = worst.Probe + "/" + worst.Check + ": " + worst.Summary
			} else {
				h.Worst = "all checks ok"
			}
		}
		h.Watched = len(ctx.Estate.ByComponent[name]) > 0
		out = append(out, h)
		comp := ctx.Component(name)
		if comp == nil {
			return
		}
		var deps []string
		for _, d := range comp.Knowledge.DependsOn {
			if !seen[d] {
				deps = append(deps, d)
				seen[d] = true // dedupe siblings too
			}
		}
		child := prefix + strings.NewReplacer("├─ ", "│  ", "└─ ", "   ").Replace(branch)
		for i, d := range deps {
			b := "├─ "
			if i == len(deps)-1 {
				b = "└─ "
			}
			walk(d, child, b)
		}
	}
	walk(component, "", "└─ ")
	markCause(ctx, out)
	return out
}

// markCause puts the diagnosis on the hops: the best-ranked root cause on
// a hop of this path is where the connection breaks (or degrades); hops
// whose failures that cause explains are its symptoms, not the break.
func markCause(ctx *common.Context, hops []Hop) {
	d := ctx.State.Diagnosis
	on := map[string]int{}
	for i, h := range hops {
		if _, dup := on[h.Name]; !dup {
			on[h.Name] = i
		}
	}
	marked := false
	for _, rc := range d.RootCauses {
		i, ok := on[text.Sanitize(rc.Component)]
		if !ok {
			continue
		}
		if hops[i].Cause == "" {
			hops[i].Cause = rc.CheckID + ": " + rc.Summary
		}
		if !marked {
			marked = true
			hops[i].Breaks = rc.Status == probes.Crit || rc.Status == probes.Unknown
			hops[i].Degrade = !hops[i].Breaks
		}
		for _, id := range rc.Explains {
			comp, _, _ := strings.Cut(id, "/")
			if j, ok := on[text.Sanitize(comp)]; ok && j != i && hops[j].SymptomOf == "" && hops[j].Cause == "" {
				hops[j].SymptomOf = rc.Component
			}
		}
	}
}

func Lines(ctx *common.Context, component string, w int) []string {
	st := ctx.Styles
	hops := Hops(ctx, component)
	nameW := 6
	for _, h := range hops {
		nameW = max(nameW, text.Width(h.Prefix+h.Name))
	}
	nameW = min(nameW+1, max(w/3, 16))
	t := "── path of " + text.Sanitize(component) + " "
	out := []string{st.Focus.Render(text.Trunc(t+strings.Repeat("─", max(0, w-text.Width(t))), w)),
		" " + st.Dim.Render("client (this terminal)")}
	for _, h := range hops {
		var verdict, why string
		switch {
		case !h.Watched:
			verdict, why = st.Probing.Render(text.Fit("—  not watched", common.CellWidth-1)), "no checks configured for this hop"
		case !h.Probed:
			verdict, why = st.Cell(common.DisplayProbing, probes.Unknown), "probing…"
		default:
			verdict, why = st.Cell(common.Display(h.Status), h.Status), h.Worst
		}
		line := " " + text.Fit(h.Prefix+h.Name, nameW) + " " + verdict + " " + why
		out = append(out, text.Trunc(line, w))
		pad := strings.Repeat(" ", 1+text.Width(h.Prefix)+3)
		switch {
		case h.Breaks:
			out = append(out, text.Trunc(pad+st.Highlight.Render("▲ connection breaks here: root cause ")+text.Sanitize(h.Cause), w))
		case h.Degrade:
			out = append(out, text.Trunc(pad+st.Status[probes.Warn].Render("▲ degraded here: root cause ")+text.Sanitize(h.Cause), w))
		case h.SymptomOf != "":
			out = append(out, text.Trunc(pad+st.Dim.Render("↳ a symptom: explained by "+text.Sanitize(h.SymptomOf)+" below"), w))
		}
	}
	if comp := ctx.Component(component); comp == nil || len(comp.Knowledge.DependsOn) == 0 {
		out = append(out, "", st.Dim.Render(text.Trunc(" "+text.Sanitize(component)+" has no depends_on in config: the path ends here.", w)))
	}
	return out
}
