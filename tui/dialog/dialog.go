package dialog

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui/common"
)

// previewTimeout bounds a preview's I/O; the guard's own reads are shorter.
const previewTimeout = 30 * time.Second

// Deps are what the dialog's commands need.
type Deps struct {
	// Guard is the one gate every action goes through; never nil in a dialog.
	Guard *remedy.Guard
	// Ctx is the context Preview and Execute run under: the screen's, so a
	// hang-up cancels a running step (its outcome is still recorded).
	Ctx context.Context
	// Running counts executions in flight; the screen waits for it before
	// exiting so an outcome is never lost. Nil: not counted.
	Running *sync.WaitGroup
	// Keys are the dialog's keys from the screen's one key map; nil: the
	// default map's.
	Keys *common.DialogKeys
}

// phase is where the dialog is.
type phase int

const (
	hidden     phase = iota
	previewing       // Preview is running
	ready            // the plan is shown (it may carry a refusal)
	running          // Execute is running
	finished         // the outcome is shown
)

// Fields, in tab order. second exists only for a failover.
const (
	fieldReason = iota
	fieldConfirm
	fieldSecond
)

// Model is the dialog. The zero value is hidden.
type Model struct {
	deps  Deps
	req   remedy.Request
	phase phase
	seq   int64 // the preview or execution whose message is awaited

	plan    remedy.Plan
	hasPlan bool
	out     remedy.Outcome
	outErr  error
	notice  string // a refusal that leaves the plan usable (a typo, no reason)
	threads []int64

	inputs [3]textinput.Model
	focus  int
	offset int // first body line shown
}

// PreviewMsg carries a preview back to the dialog.
type PreviewMsg struct {
	Seq  int64
	Plan remedy.Plan
	Err  error
}

// OutcomeMsg carries an execution's outcome back; the screen also records
// it on the timeline.
type OutcomeMsg struct {
	Seq     int64
	Outcome remedy.Outcome
	Err     error
}

// Msg is every message the dialog's commands return: the screen routes
// them to the dialog whatever it shows.
type Msg interface{ dialogMsg() }

func (PreviewMsg) dialogMsg() {}
func (OutcomeMsg) dialogMsg() {}

// seqs numbers previews and executions across dialogs, so a late answer to
// a closed dialog is never taken for the current one's.
var seqs atomic.Int64

// Open opens the dialog for req and returns the command that previews it.
// threads are the sessions the lock_waits evidence names (root blockers
// first), offered with ↑/↓ for a kill.
func Open(d Deps, req remedy.Request, threads []int64) (Model, tea.Cmd) {
	if d.Ctx == nil {
		d.Ctx = context.Background()
	}
	if d.Keys == nil {
		d.Keys = &common.DefaultKeyMap().Dialog
	}
	m := Model{deps: d, req: req, threads: threads}
	m.inputs[fieldReason] = newInput(500)
	m.inputs[fieldConfirm] = newInput(128)
	m.inputs[fieldSecond] = newInput(128)
	return m.preview()
}

// keys is the dialog's part of the screen's key map.
func (m Model) keys() *common.DialogKeys { return m.deps.Keys }

func newInput(limit int) textinput.Model {
	in := textinput.New()
	in.Prompt = "› "
	in.CharLimit = limit
	in.Cursor.SetMode(cursor.CursorStatic) // no blink: no redraws while nothing is typed
	return in
}

// Visible reports whether the dialog is open.
func (m Model) Visible() bool { return m.phase != hidden }

// Running reports whether an action is executing: the dialog cannot be
// closed and the screen does not quit until its outcome is recorded.
func (m Model) Running() bool { return m.phase == running }

// Request is what the dialog was opened for (the thread follows ↑/↓).
func (m Model) Request() remedy.Request { return m.req }

// Plan is the preview shown, if any.
func (m Model) Plan() (remedy.Plan, bool) { return m.plan, m.hasPlan }

// Outcome is the last execution's outcome, once finished.
func (m Model) Outcome() (remedy.Outcome, bool) { return m.out, m.phase == finished }

// Close hides the dialog and returns the command that makes the guard
// forget an unused preview (closing its connections). A running action
// cannot be closed: the dialog stays.
func (m Model) Close() (Model, tea.Cmd) {
	if m.phase == running {
		return m, nil
	}
	var cmd tea.Cmd
	if m.hasPlan && m.phase != finished {
		cmd = forget(m.deps.Guard, m.plan)
	}
	return Model{deps: m.deps}, cmd // the guard stays: a late preview is forgotten through it
}

// preview forgets the current preview and asks the guard for a new one.
func (m Model) preview() (Model, tea.Cmd) {
	var old remedy.Plan
	if m.hasPlan && m.phase != finished {
		old = m.plan
	}
	m.phase, m.seq = previewing, seqs.Add(1)
	m.plan, m.hasPlan, m.notice, m.offset = remedy.Plan{}, false, "", 0
	m.out, m.outErr = remedy.Outcome{}, nil
	g, ctx, req, seq := m.deps.Guard, m.deps.Ctx, m.req, m.seq
	return m, func() tea.Msg {
		if old.ID != "" {
			g.Forget(old)
		}
		ctx, cancel := context.WithTimeout(ctx, previewTimeout)
		defer cancel()
		p, err := g.Preview(ctx, req)
		return PreviewMsg{Seq: seq, Plan: p, Err: err}
	}
}

// execute runs the plan with what was typed. The running count is taken
// here, before the command starts, so the screen cannot exit in between.
func (m Model) execute() (Model, tea.Cmd) {
	m.phase, m.seq, m.notice, m.offset = running, seqs.Add(1), "", 0
	for i := range m.inputs {
		m.inputs[i].Blur()
	}
	g, ctx, seq, wg := m.deps.Guard, m.deps.Ctx, m.seq, m.deps.Running
	plan := m.plan
	plan.Reason = trim(m.inputs[fieldReason].Value())
	typed, second := trim(m.inputs[fieldConfirm].Value()), trim(m.inputs[fieldSecond].Value())
	if wg != nil {
		wg.Add(1)
	}
	return m, func() tea.Msg {
		if wg != nil {
			defer wg.Done()
		}
		out, err := g.Execute(ctx, plan, typed, second)
		return OutcomeMsg{Seq: seq, Outcome: out, Err: err}
	}
}

// forget drops a preview the operator did not use.
func forget(g *remedy.Guard, p remedy.Plan) tea.Cmd {
	if g == nil || p.ID == "" {
		return nil
	}
	return func() tea.Msg {
		g.Forget(p)
		return nil
	}
}
