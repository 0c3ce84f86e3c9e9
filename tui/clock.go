package tui

import (
	"slices"
	"strings"

	"github.com/fivelayer/triage/tui/panes"
	"github.com/fivelayer/triage/tui/text"
)

// A clock tick changes the time and nothing else: on the main grid that is
// the header (clock, SLA countdown, last round) and the pane titles (the age
// of their data). redrawClock draws those over the last full render instead
// of drawing the screen again; other views are drawn again as before.

// redrawClock is the screen after a clock tick.
func (m Model) redrawClock() string {
	l := m.layout()
	c := m.cache
	if l.small || c.lines == nil || m.drawn() != viewMain || m.act.dlg.Visible() ||
		len(c.lines) != l.headerH+l.areaH+1 || len(c.titles) != len(l.grid.Rows) {
		c.renders++
		return m.render()
	}
	header := m.header(l.w)
	if len(header) != l.headerH {
		c.renders++
		return m.render()
	}
	c.ticks++
	lines := slices.Clone(c.lines)
	changed := make([]int, 0, len(header)+len(l.grid.Rows))
	for i, h := range header {
		lines[i] = h
		changed = append(changed, i)
	}
	y := l.headerH
	for r, rh := range l.grid.Rows {
		lines[y] = m.titleRow(l.grid, r)
		changed = append(changed, y)
		y += rh
	}
	c.lines = lines
	if !l.framed {
		return strings.Join(lines, "\n")
	}
	// Framing measures every line: frame only the ones drawn now.
	out := strings.Split(c.s, "\n")
	if len(out) != len(lines)+2 {
		return strings.Join(m.frameLines(lines, l.w), "\n")
	}
	side := m.ctx.Styles.Production.Render("║")
	for _, i := range changed {
		out[i+1] = side + text.Fit(lines[i], l.w) + side
	}
	return strings.Join(out, "\n")
}

// titleRow is the first line of grid row r: the pane titles drawn now, the
// other cells' first lines as the last render drew them.
func (m Model) titleRow(g panes.Grid, r int) string {
	var b strings.Builder
	for col := range g.Cols {
		if col > 0 {
			b.WriteByte(' ')
		}
		i := r*g.Cols + col
		if i < len(m.panes) {
			w, _ := g.Cell(i)
			b.WriteString(m.panes[i].Title(m.ctx, m.filter, w, i == m.focus))
			continue
		}
		if col < len(m.cache.titles[r]) {
			b.WriteString(m.cache.titles[r][col])
		}
	}
	return b.String()
}

// keepTitle remembers the first line of grid cell (r, col) for titleRow.
func (f *frame) keepTitle(r, col int, s string) {
	if r == 0 && col == 0 { // a new render of the grid: forget the old one's rows
		f.titles = f.titles[:0]
	}
	for len(f.titles) <= r {
		f.titles = append(f.titles, nil)
	}
	for len(f.titles[r]) <= col {
		f.titles[r] = append(f.titles[r], "")
	}
	f.titles[r][col] = s
}
