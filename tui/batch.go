package tui

import (
	"reflect"

	tea "github.com/charmbracelet/bubbletea"
)

// splitKeys turns one key message into the keys it holds. Bubble Tea v1
// delivers the runes of one terminal read as a single message ("jjj" when
// j is held over a laggy link, or typed faster than the screen reads), and
// such a message matches no binding; each rune is a key the operator
// pressed. A paste stays whole: it is text for the filter or a dialog,
// never a burst of commands.
func splitKeys(msg tea.KeyMsg) []tea.KeyMsg {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste {
		return []tea.KeyMsg{msg}
	}
	out := make([]tea.KeyMsg, 0, len(msg.Runes))
	for _, r := range msg.Runes {
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
	}
	return out
}

// handleKeys handles every key of a batch in order, as if they had come
// one by one; it stops at the first that quits, so nothing runs after it.
func (m Model) handleKeys(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	keys := splitKeys(msg)
	if len(keys) == 1 {
		return m.handleKey(msg)
	}
	var cmds []tea.Cmd
	var cur tea.Model = m
	for _, k := range keys {
		next, cmd := cur.(Model).handleKey(k)
		cur = next
		if cmd != nil {
			cmds = append(cmds, cmd)
		}
		if isQuit(cmd) {
			return cur, tea.Quit
		}
	}
	return cur, tea.Batch(cmds...)
}

// isQuit tells whether cmd is tea.Quit itself (a key that quits returns it
// bare), so the keys after q in a batch are not acted on. It compares the
// function rather than calling it: other commands do I/O.
func isQuit(cmd tea.Cmd) bool {
	return cmd != nil && reflect.ValueOf(cmd).Pointer() == reflect.ValueOf(tea.Quit).Pointer()
}
