package common

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/remedy/catalog"
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
	// Actions are the guarded actions' keys, one per entry of the action
	// catalog (probes/remedy/catalog) in its order: K, Q, R, S, F.
	Actions []key.Binding
	Faults  key.Binding // LAB mode only: disabled (hidden from help) otherwise
	Trace   key.Binding // drill-down: trace the route to the component's host
	// Drill-down: scroll the evidence tables' columns (the key columns stay).
	ColumnLeft, ColumnRight key.Binding
	Export                  key.Binding // write the incident report
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
	Toggle         key.Binding // 1-9 (and two digits past nine): toggle that fault
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
		Actions:     actionBindings(),
		Faults:      b([]string{"f"}, "f", "lab faults"),
		Trace:       b([]string{"T"}, "T", "trace route"),
		ColumnLeft:  b([]string{"left", "h"}, "←/h", "drill-down: table columns left"),
		ColumnRight: b([]string{"right", "l"}, "→/l", "drill-down: table columns right"),
		Export:      b([]string{"e"}, "e", "export report"),
		ReplayPause: b([]string{" "}, "space", "replay: pause / resume"),
		ReplayStep:  b([]string{"."}, ".", "replay: step one frame"),
		ReplayNext:  b([]string{">"}, ">", "replay: next event"),
		AnswerYes:   b([]string{"y"}, "y", "answer yes"),
		AnswerNo:    b([]string{"n"}, "n", "answer no"),
		AnswerClear: b([]string{"u", "backspace"}, "u", "undo answer"),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
		Faultpanel: FaultKeys{
			Toggle:         b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, "1-9", "toggle"),
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
	out := []key.Binding{k.Back}
	for _, o := range offered {
		if b, ok := k.Action(o); ok {
			out = append(out, b)
		}
	}
	return append(out, k.Down, k.columnsHelp(), k.PageDown, k.Trace, k.Path, k.Help, k.Quit)
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
		append([]key.Binding{k.Trace, k.columnsHelp()}, k.Actions...),
		{k.ReplayPause, k.ReplayStep, k.ReplayNext},
	}
}

// columnsHelp is ←/→ as one line of the help: scroll a drill-down
// table's columns.
func (k KeyMap) columnsHelp() key.Binding {
	return key.NewBinding(key.WithKeys(append(k.ColumnLeft.Keys(), k.ColumnRight.Keys()...)...), key.WithHelp("←/→", "table columns"))
}

// actionBindings are the keys of the catalog's actions, with its help lines.
func actionBindings() []key.Binding {
	var out []key.Binding
	for _, s := range catalog.All() {
		out = append(out, key.NewBinding(key.WithKeys(s.Key), key.WithHelp(s.Key, s.Help)))
	}
	return out
}

// Action returns the binding of the action whose catalog key is name.
func (k KeyMap) Action(name string) (key.Binding, bool) {
	for _, b := range k.Actions {
		if b.Help().Key == name {
			return b, true
		}
	}
	return key.Binding{}, false
}

// ActionKey returns the catalog key of the action msg presses ("" for none).
func (k KeyMap) ActionKey(msg tea.KeyMsg) string {
	for _, b := range k.Actions {
		if key.Matches(msg, b) {
			return b.Help().Key
		}
	}
	return ""
}

// actionDocs say at length, for the README, what an action's key does
// beyond the catalog's help line.
var actionDocs = map[catalog.Kind]string{
	catalog.KillSession: "kill the blocking session (root blocker preselected; `↑/↓` chooses another thread). `K` and `Q` are offered on a component with a `mysql` probe and `kill_session` enabled, `R` with `restart`, `S`/`F` with `switchover`; the drill-down and its footer list only those",
	catalog.KillQuery:   "kill only its statement (KILL QUERY: keeps the transaction and its locks)",
	catalog.Restart:     "restart the service",
	catalog.Switchover:  "switch to the standby",
	catalog.Failover:    "failover to the standby (primary unreachable; a second typed confirmation)",
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

// KeyDoc is one row of the README's key table: keys and what they do.
type KeyDoc struct {
	Keys []key.Binding
	Does string
}

// Docs is every key with what it does at length: the README's key tables
// (the screen's, then the action dialog's) are generated from it, and a
// test checks that every binding of the map is in it.
func (k *KeyMap) Docs() (screen, dialog []KeyDoc) {
	d := func(does string, bs ...key.Binding) KeyDoc { return KeyDoc{Keys: bs, Does: does} }
	screen = []KeyDoc{
		d("next / previous pane", k.NextPane, k.PrevPane),
		d("move within a pane (or a list)", k.Down, k.Up),
		d("page down / up", k.PageDown, k.PageUp),
		d("drill down at the selected check, within its component: every check, its threshold (default or configured), its evidence (a mysql lock-wait chain as a tree, root blocker first; the process list longest first), history, procedure hints, knowledge, actions", k.Enter),
		d("back (closes the top view or overlay); on the panes, clears the filter", k.Back),
		d("filter by component, check or status word (applies as typed; `enter` keeps it, `esc` clears it)", k.Filter),
		d("full help", k.Help),
		d("probe now", k.Refresh),
		d("path view of the component (client → its `depends_on` chain), the first failing hop marked", k.Path),
		d("timeline (grade changes, check changes, actions), newest first", k.Timeline),
		d("guide: the seed's procedure walked with live answers; `j`/`k` select a step", k.Guide),
		d("in the guide: answer the selected step yes / no yourself (the walk goes on from your answer, noted on the timeline) / give it back to the checks", k.AnswerYes, k.AnswerNo, k.AnswerClear),
		d("wall view for the war room (large grade, SLA clock, layers); read-only: only `esc`, `w`, `?` and `q` act there", k.Wall),
		d("in the drill-down: scroll the evidence tables' columns; the key columns (waiting and blocking thread, wait, a replica's threads and lag) stay, the line under a table names the columns off-screen (`→ 3 more columns`)", k.ColumnLeft, k.ColumnRight),
		d("in the drill-down: trace the route to the component's host (its first probe's address, URL host or DNS name) with the system's traceroute/tracepath, at most 30 hops in 30 s; a routing loop is flagged; `esc` closes", k.Trace),
		d("export the incident report (Markdown: grade, SLA, causes, checks not ok, the walk with its answers, actions, timeline) to `$XDG_STATE_HOME/triage/report-YYYYmmdd-HHMMSS.md` (default `~/.local/state/triage`, directory 0700, file 0600)", k.Export),
	}
	for i, s := range catalog.All() {
		does := actionDocs[s.Kind]
		if does == "" {
			does = s.Label
		}
		screen = append(screen, d(does, k.Actions[i]))
	}
	screen = append(screen,
		d("lab faults (LAB mode only)", k.Faults),
		d("in the fault panel: toggle that fault / select one / toggle the selected one (`esc` or `f` closes)", k.Faultpanel.Toggle, k.Faultpanel.Select, k.Faultpanel.ToggleSelected),
		d("replay only: pause / resume, step one recorded frame, jump to the next recorded event (fault, action); the header shows the position and length (`▶ 00:03:12 / 00:10:00`, `⏸ paused …`) and `■ end of recording` when it is over", k.ReplayPause, k.ReplayStep, k.ReplayNext),
		d("quit (refused while an action runs)", k.Quit),
	)
	dk := k.Dialog
	dialog = []KeyDoc{
		d("next / previous field (reason, confirmation)", dk.Next, dk.Prev),
		d("in the confirmation: run the action (the guard checks what was typed)", dk.Confirm),
		d("kill: preview another thread of the lock-wait chain", dk.Thread),
		d("preview again (the state may have changed)", dk.Again),
		d("scroll the plan or the outcome", dk.PageDown, dk.PageUp),
		d("cancel / after the outcome, close", dk.Cancel, dk.Close),
	}
	return screen, dialog
}

// KeyName is a key as the README writes it: `tab`, `→`, `shift-tab`, `space`.
func KeyName(s string) string {
	names := map[string]string{"right": "→", "left": "←", "up": "↑", "down": "↓", " ": "space", "pgdown": "pgdn"}
	if n, ok := names[s]; ok {
		return n
	}
	return strings.ReplaceAll(s, "+", "-")
}

// Markdown is a key table in Markdown, one row per KeyDoc: a binding's keys
// joined by " / ", bindings by ", "; a binding of many keys (1-9) by its
// help name.
func Markdown(docs []KeyDoc) string {
	var b strings.Builder
	b.WriteString("| key | does |\n|---|---|\n")
	for _, d := range docs {
		var groups []string
		for _, kb := range d.Keys {
			keys := kb.Keys()
			if len(keys) > 4 {
				keys = []string{kb.Help().Key}
			}
			var names []string
			for _, s := range keys {
				names = append(names, "`"+KeyName(s)+"`")
			}
			groups = append(groups, strings.Join(names, " / "))
		}
		fmt.Fprintf(&b, "| %s | %s |\n", strings.Join(groups, ", "), d.Does)
	}
	return b.String()
}
