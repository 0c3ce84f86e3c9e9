package drill

import (
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Model is the drill-down into one component.
type Model struct {
	component  string
	SelectedID string // the check whose evidence and history are shown
	Offset     int    // first line shown
	Col        int    // how far the evidence's tables are scrolled right (←/→)
}

// New drills into component with check selected (any of its checks, or "").
func New(component, checkID string) Model {
	return Model{component: component, SelectedID: checkID}
}

// Component is the component drilled into: the hook for the actions.
func (m Model) Component() string { return m.component }

// Selected returns the selected check, falling back to the component's worst.
func (m Model) Selected(ctx *common.Context) *common.Item {
	e := ctx.Estate
	if it := e.Item(m.SelectedID); it != nil && it.Component == m.component {
		return it
	}
	if _, worst, ok := e.ComponentStatus(m.component); ok {
		return worst
	}
	if ids := e.ByComponent[m.component]; len(ids) > 0 {
		return &e.Items[ids[0]]
	}
	return nil
}

// Move selects the check delta rows away and scrolls it into a view h tall.
func (m *Model) Move(ctx *common.Context, delta, w, h int) {
	ids := ctx.Estate.ByComponent[m.component]
	if len(ids) == 0 {
		return
	}
	at := 0
	if sel := m.Selected(ctx); sel != nil {
		for k, i := range ids {
			if &ctx.Estate.Items[i] == sel {
				at = k
			}
		}
	}
	at = max(0, min(len(ids)-1, at+delta))
	if id := ctx.Estate.Items[ids[at]].State.ID; id != m.SelectedID {
		m.SelectedID, m.Col = id, 0 // another check, other tables
	}
	row := checksTop + at
	if row < m.Offset {
		m.Offset = row
	}
	if row >= m.Offset+h {
		m.Offset = row - h + 1
	}
	m.Scroll(ctx, 0, w, h)
}

// Scroll moves the view delta lines, kept within the content.
func (m *Model) Scroll(ctx *common.Context, delta, w, h int) {
	n := len(m.Lines(ctx, w))
	m.Offset = max(0, min(m.Offset+delta, n-h))
}

// ScrollColumns scrolls the selected check's evidence tables delta columns
// right (left when negative), within what they have off-screen at width w.
func (m *Model) ScrollColumns(ctx *common.Context, delta, w int) {
	it := m.Selected(ctx)
	if it == nil {
		return
	}
	n := EvidenceColumns(ctx.Styles, it.State.Evidence, detailWidth(w))
	m.Col = max(0, min(m.Col+delta, n))
}

// twoColumns is the narrowest screen drawn in two columns: the selected
// check's half must hold a lock-wait table's key columns and its SQL.
const twoColumns = 140

// detailWidth is the width of the selected check's part at screen width w:
// all of it, or the right column of a wide screen (Lines).
func detailWidth(w int) int {
	if w < twoColumns {
		return w
	}
	return w - w/2 - 2
}

// View draws the drill-down in exactly h lines of w cells.
func (m Model) View(ctx *common.Context, w, h int) []string {
	lines := m.Lines(ctx, w)
	off := max(0, min(m.Offset, len(lines)-h))
	return text.Block(lines[off:], w, h)
}

// checksTop is the line of the first check row (after the title and its rule).
const checksTop = 2

// Lines is the whole drill-down content for width w; wide screens get two
// columns (the component on the left, the selected check on the right).
func (m Model) Lines(ctx *common.Context, w int) []string {
	left := append(m.title(ctx, w), m.checks(ctx, w)...)
	rest := m.guidance(ctx, w)
	if w < twoColumns {
		left = append(left, m.detail(ctx, w)...)
		return append(left, rest...)
	}
	lw := w / 2
	rw := detailWidth(w)
	left = append(m.title(ctx, lw), m.checks(ctx, lw)...)
	left = append(left, m.guidance(ctx, lw)...)
	right := m.detail(ctx, rw)
	n := max(len(left), len(right))
	out := make([]string, n)
	for i := range out {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = text.Fit(l, lw) + "  " + r
	}
	return out
}

func rule(ctx *common.Context, title string, w int) string {
	t := "── " + title + " "
	return ctx.Styles.Dim.Render(t + strings.Repeat("─", max(0, w-text.Width(t))))
}

func (m Model) title(ctx *common.Context, w int) []string {
	st := ctx.Styles
	s := st.Focus.Render("▶ " + text.Trunc(m.component, w/2))
	if ctx.Core(m.component) {
		s += " " + st.Bold.Render("core")
	}
	ids := ctx.Estate.ByComponent[m.component]
	s += fmt.Sprintf(" · %d checks", len(ids))
	if worst, _, ok := ctx.Estate.ComponentStatus(m.component); ok {
		s += " · worst " + st.StatusText(worst)
	}
	return []string{text.Trunc(s, w), rule(ctx, "checks", w)}
}

func (m Model) checks(ctx *common.Context, w int) []string {
	e := ctx.Estate
	sel := m.Selected(ctx)
	ids := e.ByComponent[m.component]
	if len(ids) == 0 {
		return []string{ctx.Styles.Dim.Render(" no checks for this component")}
	}
	nameW := 4
	for _, i := range ids {
		nameW = max(nameW, text.Width(e.Items[i].Probe+"/"+e.Items[i].Check))
	}
	nameW = min(nameW, max(w/3, 12))
	valW := 0 // as wide as the widest value: a value is never cut
	for _, i := range ids {
		valW = max(valW, text.Width(e.Items[i].Value))
	}
	valW = min(valW, max(w/4, 9))
	out := make([]string, 0, len(ids))
	for _, i := range ids {
		it := &e.Items[i]
		mk, name := " ", text.Fit(it.Probe+"/"+it.Check, nameW)
		if it == sel {
			mk, name = "›", ctx.Styles.Selected.Render(name)
		}
		line := mk + ctx.Styles.Cell(it.Display, it.Status) + " " + text.Fit(it.Layer.String(), 11) + " " +
			name + " " + text.FitLeft(it.Value, valW) + " " + string(it.Spark[max(0, len(it.Spark)-8):]) + " " + it.Summary
		out = append(out, text.Trunc(line, w))
	}
	return out
}

// detail is the selected check: status, summary, error, evidence, history.
func (m Model) detail(ctx *common.Context, w int) []string {
	it := m.Selected(ctx)
	if it == nil {
		return nil
	}
	st := ctx.Styles
	c := it.State
	out := []string{rule(ctx, it.ID, w)}
	facts := []string{st.StatusText(it.Status)}
	switch it.Display {
	case common.DisplayProbing:
		facts[0] = st.Probing.Render("… probing")
	case common.DisplayTimedOut:
		facts[0] = "⌛ timed out, " + facts[0]
	}
	if it.Value != "" {
		facts = append(facts, "value "+it.Value)
	}
	if c.Probed {
		facts = append(facts, "took "+c.Duration.Round(1e6).String(), text.Age(ctx.Now().Sub(c.Time))+" ago")
	}
	if c.For > 0 {
		facts = append(facts, "for: "+c.For.String())
	}
	if p, ok := ctx.State.Pending[c.ID]; ok {
		facts = append(facts, "pending "+p.Round(1e9).String())
	}
	out = append(out, text.Trunc(strings.Join(facts, " · "), w))
	if th := Threshold(ctx, c.Component, c.Probe, c.Check, c.Unit); th != "" {
		out = append(out, text.Trunc(st.Dim.Render("threshold: ")+text.Sanitize(th), w))
	}
	for _, l := range text.Wrap(it.Summary, w) {
		out = append(out, l)
	}
	if c.Err != "" {
		out = append(out, text.Trunc(st.Error.Render("error: ")+text.Sanitize(c.Err), w))
	}
	out = append(out, rule(ctx, "evidence", w))
	out = append(out, Evidence(st, c.Evidence, w, m.Col)...)
	out = append(out, rule(ctx, "history", w))
	return append(out, History(st, c.History, c.Unit, w)...)
}

// Threshold states what a check grades with, in the one wording
// (probes.Threshold.Text): its kind's default overridden by the config;
// "" for a check with no numeric bound or a component not in the config.
func Threshold(ctx *common.Context, component, probe, check, unit string) string {
	comp := ctx.Component(component)
	if comp == nil {
		return ""
	}
	for _, spec := range comp.Probes {
		if spec.ProbeID() != probe {
			continue
		}
		k, _ := kinds.Lookup(spec.Kind)
		return spec.Threshold(check, k.Thresholds[check]).Text(unit)
	}
	return ""
}

// guidance is what to do, what is known, and what may be done.
func (m Model) guidance(ctx *common.Context, w int) []string {
	st := ctx.Styles
	out := []string{rule(ctx, "what to do (diagnosis)", w)}
	hints := incident.Hints(ctx.State.Diagnosis, m.component)
	if len(hints) == 0 {
		msg := " all checks ok — nothing to do"
		if st, _, ok := ctx.Estate.ComponentStatus(m.component); ok && st != probes.OK {
			msg = " nothing here is a root cause: see the header and the guide (g)"
		}
		out = append(out, st.Dim.Render(msg))
	}
	for _, h := range hints {
		for i, l := range text.Wrap(text.Sanitize(h.Text), w-3) {
			p := "   "
			if i == 0 {
				p = " • "
			}
			out = append(out, p+l)
		}
	}
	out = append(out, rule(ctx, "knowledge", w))
	comp := ctx.Component(m.component)
	if comp == nil {
		return append(append(out, st.Dim.Render(" not in config")), append([]string{rule(ctx, "actions", w)}, actionLines(ctx, m.component, w)...)...)
	}
	deps := "—"
	if len(comp.Knowledge.DependsOn) > 0 {
		deps = text.Sanitize(strings.Join(comp.Knowledge.DependsOn, ", ")) + "  (p: path view)"
	}
	out = append(out, text.Trunc(" depends on: "+deps, w))
	seen := m.seenBefore(ctx, w)
	if len(comp.Knowledge.Incidents) == 0 && len(seen) == 0 {
		out = append(out, st.Dim.Render(" no past incidents recorded"))
	}
	for _, in := range comp.Knowledge.Incidents {
		out = append(out, text.Trunc(" "+st.Bold.Render(text.Sanitize(in.Date))+" "+text.Sanitize(in.Event), w))
		if in.Fix != "" {
			for _, l := range text.Wrap("fix: "+text.Sanitize(in.Fix), w-3) {
				out = append(out, "   "+l)
			}
		}
	}
	out = append(out, seen...)
	out = append(out, rule(ctx, "actions", w))
	return append(out, actionLines(ctx, m.component, w)...)
}
