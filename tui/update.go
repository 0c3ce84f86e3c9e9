package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/tui/drill"
	"github.com/fivelayer/triage/tui/pathview"
	"github.com/fivelayer/triage/tui/views"
)

// handleKey routes a key: quit always works; then the filter input, the
// help, the global keys, and last the top view's own keys.
func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.ctx.Keys
	if m.act.dlg.Visible() {
		return m.handleDialogKey(msg)
	}
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	if m.layout().small {
		if key.Matches(msg, k.Quit) {
			return m, tea.Quit
		}
		return m, nil
	}
	if m.filtering {
		return m.handleFilterKey(msg)
	}
	if m.showHelp {
		switch {
		case key.Matches(msg, k.Quit):
			return m, tea.Quit
		case key.Matches(msg, k.Help, k.Back):
			m.showHelp = false
			m.rev++
		}
		return m, nil
	}
	if m.lab.panel.open {
		return m.handleFaultKey(msg)
	}
	if m.top() == viewDrill && m.drill.TraceOpen() {
		if mm, cmd, ok := m.handleTraceKey(msg); ok {
			return mm, cmd
		}
	}
	if m.top() == viewWall { // the war-room view is read-only: leave, help or quit
		switch {
		case key.Matches(msg, k.Quit):
			return m, tea.Quit
		case key.Matches(msg, k.Back, k.Wall):
			m.back()
			m.rev++
		case key.Matches(msg, k.Help):
			m.showHelp = true
			m.rev++
		}
		return m, nil
	}
	if mm, cmd, ok := m.handleReplayKey(msg); ok {
		return mm, cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Refresh):
		return m.refresh()
	case key.Matches(msg, k.Timeline):
		m.toggle(viewTimeline)
	case key.Matches(msg, k.Guide):
		m.toggle(viewGuide)
		if m.top() == viewGuide {
			m.selectStep(hereStep(m.ctx))
		}
	case key.Matches(msg, k.Wall):
		m.open(viewWall)
	case key.Matches(msg, k.Path):
		m.openPath()
	case key.Matches(msg, k.Faults):
		return m.openFaults()
	case key.Matches(msg, k.Export):
		return m.export()
	case key.Matches(msg, k.Trace):
		switch {
		case m.top() != viewDrill:
			m.setStatus("T traces the route from the drill-down: enter on a check first")
			return m, nil
		case m.ctx.Mode == Replay:
			m.setStatus("replay: a trace would show this machine's network today, not the recorded one")
			return m, nil
		}
		return m.startTrace()
	case key.Matches(msg, k.Kill):
		return m.openAction("K")
	case key.Matches(msg, k.KillQuery):
		return m.openAction("Q")
	case key.Matches(msg, k.Restart):
		return m.openAction("R")
	case key.Matches(msg, k.Switchover):
		return m.openAction("S")
	case key.Matches(msg, k.Failover):
		return m.openAction("F")
	case key.Matches(msg, k.Back) && m.top() == viewMain:
		if m.filter != "" {
			m.input.SetValue("")
			m.setFilter("")
		}
	case key.Matches(msg, k.Back):
		m.back()
	default:
		return m.handleViewKey(msg)
	}
	m.rev++
	return m, nil
}

// handleViewKey handles the keys that mean something in one view only.
func (m Model) handleViewKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.ctx.Keys
	l := m.layout()
	switch m.top() {
	case viewMain:
		p := &m.panes[m.focus]
		switch {
		case key.Matches(msg, k.Up):
			p.Move(m.ctx.Estate, m.filter, -1, l.bodyH(m.focus))
		case key.Matches(msg, k.Down):
			p.Move(m.ctx.Estate, m.filter, 1, l.bodyH(m.focus))
		case key.Matches(msg, k.PageUp):
			p.Move(m.ctx.Estate, m.filter, -l.bodyH(m.focus), l.bodyH(m.focus))
		case key.Matches(msg, k.PageDown):
			p.Move(m.ctx.Estate, m.filter, l.bodyH(m.focus), l.bodyH(m.focus))
		case key.Matches(msg, k.NextPane):
			m.focus = (m.focus + 1) % len(m.panes)
		case key.Matches(msg, k.PrevPane):
			m.focus = (m.focus + len(m.panes) - 1) % len(m.panes)
		case key.Matches(msg, k.Enter):
			it := m.selected()
			if it == nil {
				m.setStatus("no check selected in this pane")
				return m, nil
			}
			m.stopTrace()
			m.drill = drill.New(it.Component, it.State.ID)
			m.open(viewDrill)
		case key.Matches(msg, k.Filter):
			m.filtering = true
			m.input.SetValue(m.filter)
			m.input.CursorEnd()
			m.rev++
			return m, m.input.Focus()
		default:
			return m, nil
		}
	case viewDrill:
		switch {
		case key.Matches(msg, k.Up):
			m.drill.Move(m.ctx, -1, l.w, l.areaH)
		case key.Matches(msg, k.Down):
			m.drill.Move(m.ctx, 1, l.w, l.areaH)
		case key.Matches(msg, k.PageUp):
			m.drill.Scroll(m.ctx, -l.areaH+1, l.w, l.areaH)
		case key.Matches(msg, k.PageDown):
			m.drill.Scroll(m.ctx, l.areaH-1, l.w, l.areaH)
		default:
			return m, nil
		}
	case viewGuide:
		if mm, cmd, ok := m.handleGuideKey(msg); ok {
			return mm, cmd
		}
		return m.scrollView(msg)
	default: // path, timeline: scroll
		return m.scrollView(msg)
	}
	m.rev++
	return m, nil
}

// scrollView scrolls the path, timeline and guide views (the guide's j/k
// select its steps instead).
func (m Model) scrollView(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k, l := m.ctx.Keys, m.layout()
	n := len(m.viewLines(l.w))
	off := m.offsets[m.top()]
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
		return m, nil
	}
	m.offsets[m.top()] = max(0, min(off, n-l.areaH))
	m.rev++
	return m, nil
}

// viewLines is the content of the scrolling views.
func (m Model) viewLines(w int) []string {
	switch m.top() {
	case viewPath:
		return pathview.Lines(m.ctx, m.pathComp, w)
	case viewTimeline:
		return views.Timeline(m.ctx, w)
	case viewGuide:
		lines, _ := views.Guide(m.ctx, w, m.guideSel)
		return lines
	}
	return nil
}

// handleFilterKey edits the filter: it applies as it is typed; enter keeps
// it, esc clears it.
func (m Model) handleFilterKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		m.filtering = false
		m.input.Blur()
		m.rev++
		return m, nil
	case tea.KeyEsc:
		m.filtering = false
		m.input.Blur()
		m.input.SetValue("")
		m.setFilter("")
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.setFilter(m.input.Value())
	return m, cmd
}

// toggle opens v, or closes it when it is on top.
func (m *Model) toggle(v view) {
	if m.top() == v {
		m.back()
		return
	}
	m.open(v)
}

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
	m.pathComp = c
	m.open(viewPath)
	m.offsets[viewPath] = 0
}

// refresh asks the scheduler for a round now.
func (m Model) refresh() (tea.Model, tea.Cmd) {
	switch {
	case m.ctx.Mode == Replay:
		m.setStatus("replay: nothing to probe")
		return m, nil
	case m.sched == nil:
		m.setStatus("no scheduler: nothing to probe")
		return m, nil
	}
	s := m.sched
	return m, func() tea.Msg { s.Trigger(); return triggeredMsg{} }
}
