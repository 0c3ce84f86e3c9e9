package common

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// KeyMap is every key the screen knows, kept once in the Context. The help
// view (ShortHelp, FullHelp) and the README's key table (Table) are
// generated from it, so neither can go stale.
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
	Trace              key.Binding // drill-down: trace the route to the component's host
	Export             key.Binding // write the incident report
	// Replay only: pause/resume, step one frame, jump to the next event.
	ReplayPause, ReplayStep, ReplayNext key.Binding
	// The guide's overrides of the selected step's answer.
	AnswerYes, AnswerNo, AnswerClear key.Binding
	Quit                             key.Binding
	// The lab's fault panel and the action dialog have keys of their own.
	Faultpanel FaultKeys
	Dialog     DialogKeys
}

// FaultKeys are the fault panel's keys besides esc, arrows and quit.
type FaultKeys struct {
	Toggle         key.Binding // 1-9: toggle that fault
	Select         key.Binding // only shown: the arrows move
	ToggleSelected key.Binding
}

// DialogKeys are the action dialog's keys; its footer shows them.
type DialogKeys struct {
	Confirm, Next, Prev key.Binding
	Thread              key.Binding
	Again               key.Binding
	PageUp, PageDown    key.Binding
	Cancel, Close       key.Binding
}

// DefaultKeyMap is the screen's one key map, all keys enabled; the screen
// disables a mode's keys outside that mode.
func DefaultKeyMap() *KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Up:          b([]string{"k", "up"}, "↑/k", "up"),
		Down:        b([]string{"j", "down"}, "↓/j", "down"),
		NextPane:    b([]string{"tab", "l", "right"}, "tab/l", "next pane"),
		PrevPane:    b([]string{"shift+tab", "h", "left"}, "S-tab/h", "previous pane"),
		PageUp:      b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:    b([]string{"pgdown", "ctrl+d", " "}, "pgdn", "page down"),
		Enter:       b([]string{"enter"}, "enter", "drill down"),
		Back:        b([]string{"esc"}, "esc", "back"),
		Filter:      b([]string{"/"}, "/", "filter (component, check, status)"),
		Help:        b([]string{"?"}, "?", "help"),
		Refresh:     b([]string{"r"}, "r", "probe now"),
		Path:        b([]string{"p"}, "p", "path view"),
		Timeline:    b([]string{"t"}, "t", "timeline"),
		Guide:       b([]string{"g"}, "g", "guide (procedure)"),
		Wall:        b([]string{"w"}, "w", "wall view (war room)"),
		Kill:        b([]string{"K"}, "K", "kill blocking session"),
		Restart:     b([]string{"R"}, "R", "restart service"),
		Switchover:  b([]string{"S"}, "S", "switch to standby"),
		KillQuery:   b([]string{"Q"}, "Q", "kill query only (keeps the transaction)"),
		Failover:    b([]string{"F"}, "F", "failover (primary unreachable)"),
		Faults:      b([]string{"f"}, "f", "lab faults"),
		Trace:       b([]string{"T"}, "T", "trace route"),
		Export:      b([]string{"e"}, "e", "export report"),
		ReplayPause: b([]string{" "}, "space", "replay: pause / resume"),
		ReplayStep:  b([]string{"."}, ".", "replay: step one frame"),
		ReplayNext:  b([]string{">"}, ">", "replay: next event"),
		AnswerYes:   b([]string{"y"}, "y", "answer yes"),
		AnswerNo:    b([]string{"n"}, "n", "answer no"),
		AnswerClear: b([]string{"u", "backspace"}, "u", "undo answer"),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
		Faultpanel: FaultKeys{
			Toggle:         b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "toggle"),
			Select:         b([]string{"up", "down"}, "↑/↓", "select"),
			ToggleSelected: b([]string{"enter", " "}, "enter", "toggle selected"),
		},
		Dialog: DialogKeys{
			Confirm:  b([]string{"enter"}, "enter", "confirm"),
			Next:     b([]string{"tab"}, "tab", "next field"),
			Prev:     b([]string{"shift+tab"}, "S-tab", "previous field"),
			Thread:   b([]string{"up", "down"}, "↑/↓", "other thread"),
			Again:    b([]string{"ctrl+r"}, "ctrl+r", "preview again"),
			PageUp:   b([]string{"pgup"}, "pgup", "scroll"),
			PageDown: b([]string{"pgdown"}, "pgdn", "scroll"),
			Cancel:   b([]string{"esc"}, "esc", "cancel"),
			Close:    b([]string{"esc", "enter"}, "esc", "close"),
		},
	}
}

// ShortHelp is the footer's one line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextPane, k.Down, k.Enter, k.Faults, k.ReplayPause, k.ReplayNext, k.Filter, k.Refresh, k.Help, k.Quit}
}

// ReadOnlyHelp is the footer of the wall view.
func (k KeyMap) ReadOnlyHelp() []key.Binding { return []key.Binding{k.Back, k.Help, k.Quit} }

// DrillHelp is the footer of the drill-down: the actions offered on the
// component (keys as drill.Offered gives them) come before the rest.
func (k KeyMap) DrillHelp(offered []string) []key.Binding {
	byKey := map[string]key.Binding{"K": k.Kill, "Q": k.KillQuery, "R": k.Restart, "S": k.Switchover, "F": k.Failover}
	out := []key.Binding{k.Back}
	for _, o := range offered {
		out = append(out, byKey[o])
	}
	return append(out, k.Down, k.PageDown, k.Trace, k.Path, k.Help, k.Quit)
}

// TraceHelp is the footer while a path trace is shown.
func (k KeyMap) TraceHelp() []key.Binding {
	return []key.Binding{k.Back, k.Down, k.PageDown, k.Trace, k.Help, k.Quit}
}

// GuideHelp is the footer of the guide.
func (k KeyMap) GuideHelp() []key.Binding {
	return []key.Binding{k.Back, k.Down, k.AnswerYes, k.AnswerNo, k.AnswerClear, k.Help, k.Quit}
}

// ViewHelp is the footer of the other scrolling views.
func (k KeyMap) ViewHelp() []key.Binding {
	return []key.Binding{k.Back, k.Down, k.PageDown, k.Help, k.Quit}
}

// FullHelp is the help view: every key, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.NextPane, k.PrevPane, k.PageUp, k.PageDown},
		{k.Enter, k.Back, k.Filter, k.Refresh, k.Help, k.Quit},
		{k.Path, k.Timeline, k.Guide, k.answerHelp(), k.Wall, k.Faults, k.Export},
		{k.Trace, k.Kill, k.KillQuery, k.Restart, k.Switchover, k.Failover},
		{k.ReplayPause, k.ReplayStep, k.ReplayNext},
	}
}

// answerHelp is the guide's three answer keys as one line of the full help,
// made from their bindings (80×24 has no room for three).
func (k KeyMap) answerHelp() key.Binding {
	bs := []key.Binding{k.AnswerYes, k.AnswerNo, k.AnswerClear}
	var keys, names []string
	for _, b := range bs {
		keys = append(keys, b.Keys()...)
		names = append(names, b.Help().Key)
	}
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(names, "/"), "guide: answer yes/no/undo"))
}
