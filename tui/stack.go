package tui

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// view names the kind of a child on the overlay stack.
type view int

// Kinds of child. The first six are views (full-screen, reached by the
// screen's keys); the rest are overlays over a view.
const (
	viewMain view = iota
	viewDrill
	viewPath
	viewTimeline
	viewGuide
	viewWall
	viewTrace  // the path trace over the drill-down (trace.go)
	viewFaults // the lab's fault panel (lab.go)
	viewHelp   // the full help (help.go)
	viewFilter // the filter input (filter.go)
)

// child is a model on the overlay stack (docs/screen.md): the main grid at
// the bottom, the views and overlays opened over it. The root model only routes: an
// overlay gets a key before the screen's global keys (a modal one takes
// every key), a view after them.
type child interface {
	kind() view
	overlay() bool
	// Update takes a key; handled is false for a key the child leaves to
	// the screen. It may open or close children through m.
	Update(m *Model, msg tea.KeyMsg) (c child, cmd tea.Cmd, handled bool)
	// View is the area between header and footer; nil shows the child below.
	View(m *Model, l layout) []string
	// Help is the footer's keys; nil takes the child below's.
	Help(m *Model) []key.Binding
}

// handleKey routes one key: the action dialog has every key; then quit;
// below the smallest size only quit; then the top child and the global
// keys in the order its kind asks for.
func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.act.dlg.Visible() {
		return m.handleDialogKey(msg)
	}
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	if m.layout().small {
		if key.Matches(msg, m.ctx.Keys.Quit) {
			return m, tea.Quit
		}
		return m, nil
	}
	m.stack = slices.Clone(m.stack) // a copy of the model keeps its own stack
	if m.topChild().overlay() {
		if cmd, ok := m.updateTop(msg); ok {
			return m, cmd
		}
		cmd, _ := m.handleGlobalKey(msg)
		return m, cmd
	}
	if cmd, ok := m.handleGlobalKey(msg); ok {
		return m, cmd
	}
	cmd, _ := m.updateTop(msg)
	return m, cmd
}

// updateTop gives msg to the top child and keeps its new state, unless the
// child closed itself. A child bumps rev itself when it changed what shows.
func (m *Model) updateTop(msg tea.KeyMsg) (tea.Cmd, bool) {
	i := len(m.stack) - 1
	c, cmd, ok := m.stack[i].Update(m, msg)
	if i < len(m.stack) && m.stack[i].kind() == c.kind() {
		m.stack[i] = c
	}
	return cmd, ok
}

func (m Model) topChild() child { return m.stack[len(m.stack)-1] }

// top is the kind of the top child.
func (m Model) top() view { return m.topChild().kind() }

// find is the index of the topmost child of kind k, -1 when none.
func (m Model) find(k view) int {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if m.stack[i].kind() == k {
			return i
		}
	}
	return -1
}

// open shows c on top; a child of its kind already on the stack is
// returned to (and replaced by c when replace is set).
func (m *Model) open(c child, replace bool) {
	if i := m.find(c.kind()); i >= 0 {
		m.truncate(i + 1)
		if replace {
			m.stack[i] = c
		}
		return
	}
	m.stack = append(m.stack, c)
}

// back closes the top child; the main grid stays.
func (m *Model) back() {
	if len(m.stack) > 1 {
		m.truncate(len(m.stack) - 1)
	}
}

// truncate keeps the first n children. A trace closed with its panel is
// stopped.
func (m *Model) truncate(n int) {
	for _, c := range m.stack[n:] {
		if c.kind() == viewTrace {
			m.stopTrace()
		}
	}
	m.stack = m.stack[:n:n]
}

// toggle opens c, or closes it when its kind is on top.
func (m *Model) toggle(c child) {
	if m.top() == c.kind() {
		m.back()
		return
	}
	m.open(c, false)
}

// drawn is the kind of the child whose View fills the area.
func (m Model) drawn() view {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if k := m.stack[i].kind(); k != viewFilter {
			return k
		}
	}
	return viewMain
}

// areaLines is the area drawn by the topmost child that draws.
func (m Model) areaLines(l layout) []string {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if lines := m.stack[i].View(&m, l); lines != nil {
			return lines
		}
	}
	return nil
}

// helpKeys is the footer's keys from the topmost child that gives some.
func (m Model) helpKeys() []key.Binding {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if keys := m.stack[i].Help(&m); keys != nil {
			return keys
		}
	}
	return nil
}
