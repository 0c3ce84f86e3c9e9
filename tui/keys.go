package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key the screen knows. The help view is generated from it
// (ShortHelp, FullHelp), so it cannot go stale.
type KeyMap struct {
	Up, Down           key.Binding
	NextPane, PrevPane key.Binding
	PageUp, PageDown   key.Binding
	Enter, Back        key.Binding
	Filter, Help       key.Binding
	Refresh            key.Binding
	Path, Timeline     key.Binding
	Guide, Wall        key.Binding
	Kill, Restart      key.Binding
	Switchover         key.Binding
	KillQuery          key.Binding
	Failover           key.Binding
	Faults             key.Binding // LAB mode only: disabled (hidden from help) otherwise
	Quit               key.Binding
}

// DefaultKeyMap is the screen's one key map.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:         b([]string{"k", "up"}, "↑/k", "up"),
		Down:       b([]string{"j", "down"}, "↓/j", "down"),
		NextPane:   b([]string{"tab", "l", "right"}, "tab/l", "next pane"),
		PrevPane:   b([]string{"shift+tab", "h", "left"}, "S-tab/h", "previous pane"),
		PageUp:     b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:   b([]string{"pgdown", "ctrl+d", " "}, "pgdn", "page down"),
		Enter:      b([]string{"enter"}, "enter", "drill into component"),
		Back:       b([]string{"esc"}, "esc", "back / clear filter"),
		Filter:     b([]string{"/"}, "/", "filter (component, check, status)"),
		Help:       b([]string{"?"}, "?", "help"),
		Refresh:    b([]string{"r"}, "r", "probe now"),
		Path:       b([]string{"p"}, "p", "path view"),
		Timeline:   b([]string{"t"}, "t", "timeline"),
		Guide:      b([]string{"g"}, "g", "guide (procedure)"),
		Wall:       b([]string{"w"}, "w", "wall view (war room)"),
		Kill:       b([]string{"K"}, "K", "kill blocking session"),
		Restart:    b([]string{"R"}, "R", "restart service"),
		Switchover: b([]string{"S"}, "S", "switch to standby"),
		KillQuery:  b([]string{"Q"}, "Q", "kill query only (keeps the transaction)"),
		Failover:   b([]string{"F"}, "F", "failover (primary unreachable)"),
		Faults:     b([]string{"f"}, "f", "lab faults"),
		Quit:       b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp is the footer's one line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextPane, k.Down, k.Enter, k.Faults, k.Filter, k.Refresh, k.Help, k.Quit}
}

// ViewHelp is the footer's line for a view other than the panes.
func (k KeyMap) ViewHelp(drill, readOnlyView bool) []key.Binding {
	switch {
	case readOnlyView:
		return []key.Binding{k.Back, k.Help, k.Quit}
	case drill:
		return []key.Binding{k.Back, k.Down, k.PageDown, k.Path, k.Help, k.Kill, k.Restart, k.Switchover}
	}
	return []key.Binding{k.Back, k.Down, k.PageDown, k.Help, k.Quit}
}

// FullHelp is the help view: every key, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.NextPane, k.PrevPane, k.PageUp, k.PageDown},
		{k.Enter, k.Back, k.Filter, k.Refresh, k.Help, k.Quit},
		{k.Path, k.Timeline, k.Guide, k.Wall, k.Faults},
		{k.Kill, k.KillQuery, k.Restart, k.Switchover, k.Failover},
	}
}
