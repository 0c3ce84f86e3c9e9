package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/tui/common"
)

// globalKey is a key that means the same in every view: what it matches
// in the key map and what it does.
type globalKey struct {
	binding func(*common.KeyMap) key.Binding
	do      func(m *Model) tea.Cmd
}

// globalKeys are the screen's keys outside its children, in the order they
// are matched.
var globalKeys = []globalKey{
	{func(k *common.KeyMap) key.Binding { return k.Quit }, func(*Model) tea.Cmd { return tea.Quit }},
	{func(k *common.KeyMap) key.Binding { return k.Help }, func(m *Model) tea.Cmd { m.open(helpChild{}, false); m.rev++; return nil }},
	{func(k *common.KeyMap) key.Binding { return k.Refresh }, (*Model).refresh},
	{func(k *common.KeyMap) key.Binding { return k.Timeline }, func(m *Model) tea.Cmd { m.toggle(scrollChild{k: viewTimeline}); m.rev++; return nil }},
	{func(k *common.KeyMap) key.Binding { return k.Guide }, (*Model).toggleGuide},
	{func(k *common.KeyMap) key.Binding { return k.Wall }, func(m *Model) tea.Cmd { m.open(wallChild{}, false); m.rev++; return nil }},
	{func(k *common.KeyMap) key.Binding { return k.Path }, func(m *Model) tea.Cmd { m.openPath(); m.rev++; return nil }},
	{func(k *common.KeyMap) key.Binding { return k.Faults }, (*Model).openFaults},
	{func(k *common.KeyMap) key.Binding { return k.Export }, (*Model).export},
	{func(k *common.KeyMap) key.Binding { return k.Trace }, (*Model).traceKey},
}

// handleGlobalKey handles the replay keys and the global keys; ok is false
// for a key that is neither.
func (m *Model) handleGlobalKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	if m.handleReplayKey(msg) {
		return nil, true
	}
	for _, g := range globalKeys {
		if key.Matches(msg, g.binding(m.ctx.Keys)) {
			return g.do(m), true
		}
	}
	if name := m.ctx.Keys.ActionKey(msg); name != "" { // the catalog's action keys
		return m.openAction(name), true
	}
	return nil, false
}

// refresh asks the scheduler for a round now.
func (m *Model) refresh() tea.Cmd {
	switch {
	case m.ctx.Mode == Replay:
		m.setStatus("replay: nothing to probe")
		return nil
	case m.sched == nil:
		m.setStatus("no scheduler: nothing to probe")
		return nil
	}
	s := m.sched
	return func() tea.Msg { s.Trigger(); return triggeredMsg{} }
}
