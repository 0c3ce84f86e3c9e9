package tui

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/remedy/catalog"
	"github.com/fivelayer/triage/tui/dialog"
	"github.com/fivelayer/triage/tui/drill"
)

// actions is the screen's side of the guarded actions: the guard, the
// context their I/O runs under, the executions in flight and the dialog.
type actions struct {
	guard   *remedy.Guard
	ctx     context.Context
	running *sync.WaitGroup
	dlg     dialog.Model
}

func newActions(g *remedy.Guard, running *sync.WaitGroup) actions {
	if running == nil {
		running = &sync.WaitGroup{}
	}
	return actions{guard: g, ctx: context.Background(), running: running}
}

// wait waits, at most limit, for executions in flight, so that the screen
// never exits between an action and the record of its outcome.
func (a actions) wait(limit time.Duration) {
	done := make(chan struct{})
	go func() { a.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		log.Printf("tui: an action was still running %s after the screen closed; see the audit log", limit)
	}
}

// openAction answers an action's key (K, Q, R, S, F: the catalog's): it opens the dialog on the drilled
// (or selected) component and previews the action. Whether the action may
// run is the guard's decision, shown in the dialog — except without a
// guard, where nothing can be previewed.
func (m *Model) openAction(keyName string) tea.Cmd {
	c := m.component()
	if c == "" {
		m.setStatus("select a check first: actions act on its component")
		return nil
	}
	spec, _ := catalog.ByKey(keyName)
	m.observe(ScreenEvent{Kind: ScreenActionRequested, Component: c, Action: spec.Kind})
	if m.act.guard == nil { // nothing can be previewed: say why as the drill-down does
		a, _ := drill.ActionFor(m.ctx, c, keyName)
		why := "disabled: " + a.Why
		if a.Why == drill.NoGuard {
			why = a.Why
		}
		m.setStatus(fmt.Sprintf("%s %s on %s: %s", keyName, a.Name, c, why))
		return nil
	}
	req := remedy.Request{Action: spec.Kind, Component: c}
	var threads []int64
	if spec.Confirm == catalog.Thread {
		threads = dialog.Threads(m.ctx, c)
	}
	var cmd tea.Cmd
	m.act.dlg, cmd = dialog.Open(dialog.Deps{Guard: m.act.guard, Ctx: m.act.ctx, Running: m.act.running, Keys: &m.ctx.Keys.Dialog}, req, threads)
	m.rev++
	return cmd
}

// handleDialogKey gives the open dialog every key. ctrl+c still quits,
// except while an action runs: its outcome must be recorded first.
func (m Model) handleDialogKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" {
		if m.act.dlg.Running() {
			m.setStatus("an action is running: wait for its outcome (the guard bounds every step by a timeout)")
			return m, nil
		}
		_, forget := m.act.dlg.Close()
		return m, tea.Sequence(forget, tea.Quit)
	}
	var cmd tea.Cmd
	m.act.dlg, cmd = m.act.dlg.SetWidth(m.layout().w).Update(msg)
	m.rev++
	return m, cmd
}

// handleDialogMsg routes a preview or an outcome to the dialog. An outcome
// also goes on the timeline, and when something ran a probe round is asked
// for at once so the panes show the effect.
func (m Model) handleDialogMsg(msg dialog.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	if o, ok := msg.(dialog.OutcomeMsg); ok {
		e := incident.Event{Time: m.ctx.Now(), Kind: incident.ActionTaken, Subject: o.Outcome.Plan.Component,
			Text: dialog.EventText(o.Outcome, o.Err), AuditID: o.Outcome.Plan.ID}
		cmds = append(cmds, m.recordEvent(e, true)) // the timeline, and the session recorder (lab.go)
		m.observe(outcomeEvent(o, m.ctx.Now()))
		if r := o.Outcome.Result; (r == remedy.ResultDone || r == remedy.ResultFailed || r == remedy.ResultNotRecorded) && m.sched != nil {
			s := m.sched
			cmds = append(cmds, func() tea.Msg { s.Trigger(); return nil })
		}
	}
	var cmd tea.Cmd
	m.act.dlg, cmd = m.act.dlg.SetWidth(m.layout().w).Update(msg)
	m.rev++
	return m, tea.Batch(append(cmds, cmd)...)
}
