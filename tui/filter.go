package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// filterChild is the filter input over the grid ("/"). It is modal: every
// key edits the filter, which applies as it is typed; enter keeps it, esc
// clears it. The applied filter lives in the root model (m.filter), which
// the panes read.
type filterChild struct{ input textinput.Model }

func (filterChild) kind() view    { return viewFilter }
func (filterChild) overlay() bool { return true }

// openFilter opens the input on the filter applied now.
func (m *Model) openFilter() tea.Cmd {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "component, check or status"
	in.Cursor.SetMode(cursor.CursorStatic) // no blink: no redraws while typing nothing
	in.SetValue(m.filter)
	in.CursorEnd()
	cmd := in.Focus()
	m.open(filterChild{input: in}, true)
	m.rev++
	return cmd
}

func (c filterChild) Update(m *Model, msg tea.KeyMsg) (child, tea.Cmd, bool) {
	switch msg.Type {
	case tea.KeyEnter:
		m.back()
		m.rev++
		return c, nil, true
	case tea.KeyEsc:
		m.back()
		m.clearFilter()
		m.rev++
		return c, nil, true
	}
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(msg)
	m.setFilter(c.input.Value())
	return c, cmd, true
}

// View is nil: the grid shows under the input, filtered as typed.
func (filterChild) View(*Model, layout) []string { return nil }

// Help is nil: the footer is the input itself (footer).
func (filterChild) Help(*Model) []key.Binding { return nil }

// filtering reports whether the filter input has the keys.
func (m Model) filtering() bool { return m.top() == viewFilter }

func (m *Model) setFilter(s string) {
	m.filter = strings.ToLower(strings.TrimSpace(s))
	m.clampAll()
	m.rev++
}

// clearFilter drops the applied filter.
func (m *Model) clearFilter() {
	if m.filter != "" {
		m.setFilter("")
	}
}
