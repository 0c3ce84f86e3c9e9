package tui

import (
	"fmt"
	"log"
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
	"github.com/fivelayer/triage/tui/views"
)

// labHooks are the screen's ties to the lab and to a session recording:
// the faults, where screen events go (the recorder) and where recorded
// events come from (replay).
type labHooks struct {
	control LabControl
	onEvent func(incident.Event)
	events  <-chan incident.Event
}

// faultsChild is the fault panel ("f" in LAB mode), modal: a number or
// enter toggles, the arrows move, esc or f closes, ? shows help.
type faultsChild struct {
	cursor int
	faults []common.Fault
	busy   string // key of the fault being switched
	// pending is a first digit that may begin a two-digit number (with 15
	// faults, "1" may be fault 1 or 10-15): the next digit completes it,
	// enter toggles the fault it selected, any other key drops it.
	pending int
}

func (faultsChild) kind() view    { return viewFaults }
func (faultsChild) overlay() bool { return true }

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
func (m *Model) openFaults() tea.Cmd {
	if m.lab.control == nil {
		m.setStatus("no lab: faults exist only in `triage lab`")
		return nil
	}
	m.open(faultsChild{faults: m.lab.control.Faults()}, true)
	m.rev++
	return nil
}

// faultsOpen reports whether the fault panel is on the stack.
func (m Model) faultsOpen() bool { return m.find(viewFaults) >= 0 }

// faultPanel is the fault panel's state; the zero panel when it is closed.
func (m Model) faultPanel() faultsChild {
	if i := m.find(viewFaults); i >= 0 {
		return m.stack[i].(faultsChild)
	}
	return faultsChild{}
}

// followFaults keeps an open fault panel true to the estate: in `triage lab
// --ssh` every session switches the same faults.
func (m *Model) followFaults() {
	i := m.find(viewFaults)
	if i < 0 || m.lab.control == nil {
		return
	}
	p := m.stack[i].(faultsChild)
	if p.busy != "" {
		return
	}
	if now := m.lab.control.Faults(); !slices.Equal(now, p.faults) {
		p.faults = now
		m.stack = slices.Clone(m.stack)
		m.stack[i] = p
		m.rev++
	}
}

func (p faultsChild) Update(m *Model, msg tea.KeyMsg) (child, tea.Cmd, bool) {
	k := m.ctx.Keys
	if key.Matches(msg, k.Faultpanel.Toggle) {
		return p.digit(m, int(msg.String()[0]-'0'))
	}
	p.pending = 0
	switch {
	case key.Matches(msg, k.Quit):
		return p, tea.Quit, true
	case key.Matches(msg, k.Back, k.Faults):
		m.back()
	case key.Matches(msg, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.Down):
		p.cursor = min(p.cursor+1, len(p.faults)-1)
	case key.Matches(msg, k.Faultpanel.ToggleSelected):
		return p.toggle(m, p.cursor)
	case key.Matches(msg, k.Help):
		m.open(helpChild{}, false)
	default:
		return p, nil, true
	}
	m.rev++
	return p, nil, true
}

// digit answers a number key: a fault's number toggles it at once unless
// it may begin a longer one, which is held until the next key.
func (p faultsChild) digit(m *Model, d int) (child, tea.Cmd, bool) {
	n := d
	if p.pending > 0 {
		n, p.pending = p.pending*10+d, 0
	} else if d > 0 && d*10 <= len(p.faults) {
		p.pending, p.cursor = d, d-1
		last := min(d*10+9, len(p.faults))
		m.setStatus(fmt.Sprintf("fault %d: enter toggles it, or a second digit for %d-%d", d, d*10, last))
		m.rev++
		return p, nil, true
	}
	if n < 1 || n > len(p.faults) {
		m.setStatus(fmt.Sprintf("no fault %d: the lab has %d", n, len(p.faults)))
		m.rev++
		return p, nil, true
	}
	p.cursor = n - 1
	return p.toggle(m, n-1)
}

// toggle switches fault i in a command: it closes ports and swaps
// certificates, which is I/O.
func (p faultsChild) toggle(m *Model, i int) (child, tea.Cmd, bool) {
	if i < 0 || i >= len(p.faults) {
		return p, nil, true
	}
	if p.busy != "" {
		m.setStatus("wait: a fault is being switched")
		return p, nil, true
	}
	key, ctl := p.faults[i].Key, m.lab.control
	p.busy = key
	m.rev++
	return p, func() tea.Msg {
		err := ctl.Toggle(key)
		return faultToggledMsg{key: key, faults: ctl.Faults(), err: err}
	}, true
}

// View is the fault list in the area between header and footer.
func (p faultsChild) View(m *Model, l layout) []string {
	return text.Block(views.Faults(m.ctx, p.faults, p.cursor, p.busy, l.w), l.w, l.areaH)
}

// Help is the footer while the fault panel is open.
func (p faultsChild) Help(m *Model) []key.Binding {
	k := m.ctx.Keys.Faultpanel
	n := k.Toggle // its help names the faults there are: 1-4
	n.SetHelp("1-"+fmt.Sprint(len(p.faults)), n.Help().Desc)
	return []key.Binding{n, k.Select, k.ToggleSelected, m.ctx.Keys.Back, m.ctx.Keys.Quit}
}

// handleFaultToggled puts the toggle on the timeline and asks for a probe
// round at once, so the screen shows the fault within seconds.
func (m Model) handleFaultToggled(msg faultToggledMsg) (tea.Model, tea.Cmd) {
	if i := m.find(viewFaults); i >= 0 {
		p := m.stack[i].(faultsChild)
		p.busy, p.faults = "", msg.faults
		m.stack = slices.Clone(m.stack)
		m.stack[i] = p
	}
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
