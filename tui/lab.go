package tui

import (
	"fmt"
	"log"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
	"github.com/fivelayer/triage/tui/views"
)

// labHooks are the screen's ties to the lab and to a session recording:
// the fault panel, where screen events go (the recorder) and where recorded
// events come from (replay).
type labHooks struct {
	control LabControl
	onEvent func(incident.Event)
	events  <-chan incident.Event
	panel   faultPanel
}

// faultPanel is the open fault list ("f" in LAB mode).
type faultPanel struct {
	open   bool
	cursor int
	faults []common.Fault
	busy   string // key of the fault being switched
}

// Messages.
type (
	// faultToggledMsg reports a toggle and the faults' state after it.
	faultToggledMsg struct {
		key    string
		faults []common.Fault
		err    error
	}
	// eventMsg is a recorded event arriving in replay.
	eventMsg incident.Event
)

func (m *Model) initLab(o Options) {
	m.lab = labHooks{control: o.Lab, onEvent: o.OnEvent, events: o.Events}
	if o.Mode != Lab || o.Lab == nil {
		m.ctx.Keys.Faults.SetEnabled(false) // neither matches nor shows in help
	}
}

// waitEvent waits for the next recorded event; it is re-armed after each.
func (m Model) waitEvent() tea.Cmd {
	if m.lab.events == nil {
		return nil
	}
	ch, done := m.lab.events, m.done
	return func() tea.Msg {
		select {
		case e, ok := <-ch:
			if !ok {
				return nil
			}
			return eventMsg(e)
		case <-done:
			return nil
		}
	}
}

// recordEvent puts e on the timeline; an event of this screen (not a
// replayed one) also goes to OnEvent, in a command: the recorder writes.
func (m *Model) recordEvent(e incident.Event, ours bool) tea.Cmd {
	m.tracker.Record(e)
	m.ctx.Events = m.tracker.Timeline()
	m.rev++
	if !ours || m.lab.onEvent == nil {
		return nil
	}
	f := m.lab.onEvent
	return func() tea.Msg { f(e); return nil }
}

// openFaults shows the fault panel.
func (m Model) openFaults() (tea.Model, tea.Cmd) {
	if m.lab.control == nil {
		m.setStatus("no lab: faults exist only in `triage lab`")
		return m, nil
	}
	m.lab.panel = faultPanel{open: true, faults: m.lab.control.Faults()}
	m.rev++
	return m, nil
}

// handleFaultKey: a number or enter toggles, arrows move, esc or f closes.
func (m Model) handleFaultKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k, p := m.ctx.Keys, &m.lab.panel
	if s := msg.String(); len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		if i := int(s[0] - '1'); i < len(p.faults) {
			p.cursor = i
			return m.toggleFault(i)
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Back, k.Faults):
		p.open = false
	case key.Matches(msg, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.Down):
		p.cursor = min(p.cursor+1, len(p.faults)-1)
	case key.Matches(msg, k.Enter), msg.String() == " ":
		return m.toggleFault(p.cursor)
	case key.Matches(msg, k.Help):
		m.showHelp = true
	default:
		return m, nil
	}
	m.rev++
	return m, nil
}

// toggleFault switches fault i in a command: it closes ports and swaps
// certificates, which is I/O.
func (m Model) toggleFault(i int) (tea.Model, tea.Cmd) {
	p := &m.lab.panel
	if i < 0 || i >= len(p.faults) {
		return m, nil
	}
	if p.busy != "" {
		m.setStatus("wait: a fault is being switched")
		return m, nil
	}
	key, ctl := p.faults[i].Key, m.lab.control
	p.busy = key
	m.rev++
	return m, func() tea.Msg {
		err := ctl.Toggle(key)
		return faultToggledMsg{key: key, faults: ctl.Faults(), err: err}
	}
}

// handleFaultToggled puts the toggle on the timeline and asks for a probe
// round at once, so the screen shows the fault within seconds.
func (m Model) handleFaultToggled(msg faultToggledMsg) (tea.Model, tea.Cmd) {
	m.lab.panel.busy = ""
	m.lab.panel.faults = msg.faults
	var f common.Fault
	for _, x := range msg.faults {
		if x.Key == msg.key {
			f = x
		}
	}
	if msg.err != nil {
		m.setStatus("fault " + f.Name + ": " + msg.err.Error())
		return m, nil
	}
	what := "fault cleared: "
	if f.Active {
		what = "fault injected: "
	}
	e := incident.Event{Time: m.ctx.Now(), Kind: incident.Note, Subject: f.Key, Text: what + f.Name}
	log.Printf("tui: %s", e.Text)
	cmds := []tea.Cmd{m.recordEvent(e, true)}
	m.setStatus(e.Text + " · probing now")
	if s := m.sched; s != nil {
		cmds = append(cmds, func() tea.Msg { s.Trigger(); return nil })
	}
	return m, tea.Batch(cmds...)
}

// faultHelp is the footer while the fault panel is open.
func (m Model) faultHelp() []key.Binding {
	n := fmt.Sprint(len(m.lab.panel.faults))
	return []key.Binding{
		key.NewBinding(key.WithKeys("1"), key.WithHelp("1-"+n, "toggle")),
		key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "select")),
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "toggle selected")),
		m.ctx.Keys.Back, m.ctx.Keys.Quit,
	}
}

// faultLines is the fault panel in the area between header and footer.
func (m Model) faultLines(w, h int) []string {
	p := m.lab.panel
	return text.Block(views.Faults(m.ctx, p.faults, p.cursor, p.busy, w), w, h)
}
