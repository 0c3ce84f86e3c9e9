package panes

import (
	"sort"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
)

// Pane is one layer's pane: which check is selected and how far it is
// scrolled. The selection follows the check's id across snapshots.
type Pane struct {
	Layer      probes.Layer
	SelectedID string
	Offset     int // first body line shown
	H          int // the body height it was last clamped to: the row order depends on it
	// Moved is set once the operator moves the selection; until then it
	// stays on the first row, the worst check when the pane is sorted.
	Moved bool
}

// row is a body line: a component header (item < 0) or a check.
type row struct {
	item int
	comp string
}

// rows lists the pane's body lines under a lower-case filter, for a body
// h lines tall. When they do not all fit, the worst come first (components
// by their worst check, checks worst first within each) so that what is
// cut is what is fine; the order stays the estate's when everything shows.
func rows(e *common.Estate, l probes.Layer, filter string, h int) []row {
	rs := estateRows(e, l, filter)
	if len(rs) <= h {
		return rs
	}
	return worstFirst(e, rs)
}

// rank orders checks by how much they need the operator: crit, unknown,
// warn, still probing, ok.
func rank(it *common.Item) int {
	if it.Display == common.DisplayProbing {
		return 1
	}
	return [...]int{0, 2, 6, 4}[it.Status]
}

// worstFirst regroups rows by component, the components by their worst
// check and the checks within each worst first; ties keep estate order.
func worstFirst(e *common.Estate, rs []row) []row {
	type group struct {
		comp   string
		worst  int
		checks []int
	}
	var groups []*group
	byComp := map[string]*group{}
	for _, r := range rs {
		if r.item < 0 {
			continue
		}
		g := byComp[r.comp]
		if g == nil {
			g = &group{comp: r.comp}
			byComp[r.comp] = g
			groups = append(groups, g)
		}
		g.checks = append(g.checks, r.item)
		g.worst = max(g.worst, rank(&e.Items[r.item]))
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].worst > groups[j].worst })
	out := make([]row, 0, len(rs))
	for _, g := range groups {
		sort.SliceStable(g.checks, func(i, j int) bool { return rank(&e.Items[g.checks[i]]) > rank(&e.Items[g.checks[j]]) })
		out = append(out, row{item: -1, comp: g.comp})
		for _, i := range g.checks {
			out = append(out, row{item: i, comp: g.comp})
		}
	}
	return out
}

// estateRows lists the body lines in estate order.
func estateRows(e *common.Estate, l probes.Layer, filter string) []row {
	var out []row
	last := ""
	for _, i := range e.Layers[l].Items {
		it := &e.Items[i]
		if !it.Matches(filter) {
			continue
		}
		if it.Component != last || len(out) == 0 {
			out = append(out, row{item: -1, comp: it.Component})
			last = it.Component
		}
		out = append(out, row{item: i, comp: it.Component})
	}
	return out
}

// cursor is the body line of the selected check, or -1.
func (p *Pane) cursor(rs []row, e *common.Estate) int {
	first := -1
	for n, r := range rs {
		if r.item < 0 {
			continue
		}
		if first < 0 {
			first = n
		}
		if e.Items[r.item].State.ID == p.SelectedID {
			return n
		}
	}
	return first
}

// Clamp keeps the selection on a visible check (the first one when the
// selected check is filtered out or gone) and scrolls so that it shows in a
// body h lines tall, with its component's header when there is room.
func (p *Pane) Clamp(e *common.Estate, filter string, h int) {
	p.H = h
	rs := rows(e, p.Layer, filter, h)
	if !p.Moved {
		p.SelectedID = ""
	}
	c := p.cursor(rs, e)
	if c < 0 {
		p.SelectedID, p.Offset = "", 0
		return
	}
	p.SelectedID = e.Items[rs[c].item].State.ID
	top := c
	if c > 0 && rs[c-1].item < 0 {
		top = c - 1 // show the header above the first check of a group
	}
	if h < 1 {
		h = 1
	}
	if len(rs) > h {
		h = max(h-1, 1) // the last line says how many more are below
	}
	switch {
	case top < p.Offset:
		p.Offset = top
	case c >= p.Offset+h:
		p.Offset = c - h + 1
	}
	p.Offset = max(0, min(p.Offset, len(rs)-h))
}

// Move moves the selection delta checks down (negative: up), stopping at the ends.
func (p *Pane) Move(e *common.Estate, filter string, delta, h int) {
	rs := rows(e, p.Layer, filter, h)
	var checks []int
	for n, r := range rs {
		if r.item >= 0 {
			checks = append(checks, n)
		}
	}
	if len(checks) == 0 {
		return
	}
	c := p.cursor(rs, e)
	at := 0
	for k, n := range checks {
		if n == c {
			at = k
		}
	}
	at = max(0, min(len(checks)-1, at+delta))
	p.Moved = true
	p.SelectedID = e.Items[rs[checks[at]].item].State.ID
	p.Clamp(e, filter, h)
}

// Selected returns the selected check, or nil when the pane shows none.
func (p *Pane) Selected(e *common.Estate, filter string) *common.Item {
	it := e.Item(p.SelectedID)
	if it == nil || it.Layer != p.Layer || !it.Matches(filter) {
		return nil
	}
	return it
}

// Counts returns how many checks pass the filter and the selected one's
// 1-based position among them in the order shown (0 when none is selected).
func (p *Pane) Counts(e *common.Estate, filter string) (pos, total int) {
	for _, r := range rows(e, p.Layer, filter, p.H) {
		if r.item < 0 {
			continue
		}
		total++
		if e.Items[r.item].State.ID == p.SelectedID {
			pos = total
		}
	}
	return pos, total
}
