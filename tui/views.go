package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/tui/drill"
	"github.com/fivelayer/triage/tui/pathview"
	"github.com/fivelayer/triage/tui/views"
)

// The screen's views as children of the overlay stack: the main grid, the
// drill-down, the scrolling path and timeline views and the wall. The
// guide is in guide.go; the overlays in trace.go, lab.go, help.go and
// filter.go.

// mainChild is the five panes and the incident cell. The panes' selection
// stays in the root model: every snapshot re-clamps it.
type mainChild struct{}

func (mainChild) kind() view    { return viewMain }
func (mainChild) overlay() bool { return false }

func (c mainChild) Update(m *Model, msg tea.KeyMsg) (child, tea.Cmd, bool) {
	k, l := m.ctx.Keys, m.layout()
	p, h := &m.panes[m.focus], l.bodyH(m.focus)
	switch {
	case key.Matches(msg, k.Up):
		p.Move(m.ctx.Estate, m.filter, -1, h)
	case key.Matches(msg, k.Down):
		p.Move(m.ctx.Estate, m.filter, 1, h)
	case key.Matches(msg, k.PageUp):
		p.Move(m.ctx.Estate, m.filter, -h, h)
	case key.Matches(msg, k.PageDown):
		p.Move(m.ctx.Estate, m.filter, h, h)
	case key.Matches(msg, k.NextPane):
		m.focus = (m.focus + 1) % len(m.panes)
	case key.Matches(msg, k.PrevPane):
		m.focus = (m.focus + len(m.panes) - 1) % len(m.panes)
	case key.Matches(msg, k.Enter):
		return c, nil, m.openDrill()
	case key.Matches(msg, k.Filter):
		return c, m.openFilter(), true
	case key.Matches(msg, k.Back):
		m.clearFilter()
	default:
		return c, nil, false
	}
	m.rev++
	return c, nil, true
}

func (mainChild) View(m *Model, l layout) []string { return m.grid(l) }

func (mainChild) Help(m *Model) []key.Binding { return m.ctx.Keys.ShortHelp() }

// openDrill answers enter on the grid: the drill-down at the selected check.
func (m *Model) openDrill() bool {
	it := m.selected()
	if it == nil {
		m.setStatus("no check selected in this pane")
		return true
	}
	m.open(drillChild{d: drill.New(it.Component, it.State.ID)}, true)
	m.observe(ScreenEvent{Kind: ScreenDrillDown, Component: it.Component, Check: it.State.ID})
	m.rev++
	return true
}

// drillChild is the drill-down into one component.
type drillChild struct{ d drill.Model }

func (drillChild) kind() view    { return viewDrill }
func (drillChild) overlay() bool { return false }

func (c drillChild) Update(m *Model, msg tea.KeyMsg) (child, tea.Cmd, bool) {
	k, l := m.ctx.Keys, m.layout()
	d := c.d
	switch {
	case key.Matches(msg, k.Up):
		d.Move(m.ctx, -1, l.w, l.areaH)
	case key.Matches(msg, k.Down):
		d.Move(m.ctx, 1, l.w, l.areaH)
	case key.Matches(msg, k.PageUp):
		d.Scroll(m.ctx, -l.areaH+1, l.w, l.areaH)
	case key.Matches(msg, k.PageDown):
		d.Scroll(m.ctx, l.areaH-1, l.w, l.areaH)
	case key.Matches(msg, k.ColumnLeft):
		d.ScrollColumns(m.ctx, -1, l.w)
	case key.Matches(msg, k.ColumnRight):
		d.ScrollColumns(m.ctx, 1, l.w)
	case key.Matches(msg, k.Back):
		m.back()
	default:
		return c, nil, false
	}
	m.rev++
	return drillChild{d: d}, nil, true
}

func (c drillChild) View(m *Model, l layout) []string { return c.d.View(m.ctx, l.w, l.areaH) }

func (c drillChild) Help(m *Model) []key.Binding {
	return m.ctx.Keys.DrillHelp(drill.Offered(m.ctx, c.d.Component()))
}

// scrollChild is a view of lines that scroll: the path view (of comp) and
// the timeline.
type scrollChild struct {
	k    view
	comp string
	off  int
}

func (c scrollChild) kind() view  { return c.k }
func (scrollChild) overlay() bool { return false }

func (c scrollChild) lines(m *Model, w int) []string {
	if c.k == viewPath {
		return pathview.Lines(m.ctx, c.comp, w)
	}
	return views.Timeline(m.ctx, w)
}

func (c scrollChild) Update(m *Model, msg tea.KeyMsg) (child, tea.Cmd, bool) {
	if key.Matches(msg, m.ctx.Keys.Back) {
		m.back()
		m.rev++
		return c, nil, true
	}
	l := m.layout()
	off, ok := scroll(m, msg, c.off, len(c.lines(m, l.w)))
	if !ok {
		return c, nil, false
	}
	m.rev++
	return scrollChild{k: c.k, comp: c.comp, off: off}, nil, true
}

// scroll moves off by the arrow and page keys within n lines shown in the
// area; ok is false for another key.
func scroll(m *Model, msg tea.KeyMsg, off, n int) (int, bool) {
	k, l := m.ctx.Keys, m.layout()
	switch {
	case key.Matches(msg, k.Up):
		off--
	case key.Matches(msg, k.Down):
		off++
	case key.Matches(msg, k.PageUp):
		off -= l.areaH - 1
	case key.Matches(msg, k.PageDown):
		off += l.areaH - 1
	default:
		return off, false
	}
	return max(0, min(off, n-l.areaH)), true
}

func (c scrollChild) View(m *Model, l layout) []string {
	return window(c.lines(m, l.w), c.off, l.w, l.areaH)
}

func (scrollChild) Help(m *Model) []key.Binding { return m.ctx.Keys.ViewHelp() }

// openPath answers p: the path view of the drilled or selected component;
// p on the path view closes it.
func (m *Model) openPath() {
	c := m.component()
	if c == "" {
		m.setStatus("select a check first: the path view shows its component's path")
		return
	}
	if m.top() == viewPath {
		m.back()
		return
	}
	m.open(scrollChild{k: viewPath, comp: c}, true)
}

// wallChild is the war-room view. It is read-only: it leaves, shows help
// or quits, and takes every other key without acting.
type wallChild struct{}

func (wallChild) kind() view    { return viewWall }
func (wallChild) overlay() bool { return true }

func (c wallChild) Update(m *Model, msg tea.KeyMsg) (child, tea.Cmd, bool) {
	k := m.ctx.Keys
	switch {
	case key.Matches(msg, k.Quit):
		return c, tea.Quit, true
	case key.Matches(msg, k.Back, k.Wall):
		m.back()
		m.rev++
	case key.Matches(msg, k.Help):
		m.open(helpChild{}, false)
		m.rev++
	}
	return c, nil, true
}

func (wallChild) View(m *Model, l layout) []string { return views.Wall(m.ctx, l.w, l.areaH) }

func (wallChild) Help(m *Model) []key.Binding { return m.ctx.Keys.ReadOnlyHelp() }

// drill is the drill-down on the stack, the zero Model when there is none.
func (m Model) drill() drill.Model {
	if i := m.find(viewDrill); i >= 0 {
		return m.stack[i].(drillChild).d
	}
	return drill.Model{}
}
