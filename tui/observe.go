package tui

import (
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui/dialog"
)

// ScreenEventKind is what the operator did on the screen.
type ScreenEventKind string

// The screen events an Observer receives (a drill scores them:
// docs/drills.md).
const (
	// ScreenDrillDown: the drill-down was opened on Component (at Check).
	ScreenDrillDown ScreenEventKind = "drill-down"
	// ScreenGuideOpened: the guide (the procedure walk) was opened.
	ScreenGuideOpened ScreenEventKind = "guide-opened"
	// ScreenGuideAnswered: a guide step was answered by hand (Text says which).
	ScreenGuideAnswered ScreenEventKind = "guide-answered"
	// ScreenActionRequested: K, Q, R, S or F opened the action dialog (a
	// preview: nothing runs).
	ScreenActionRequested ScreenEventKind = "action-requested"
	// ScreenActionOutcome: a confirmation was entered and the guard
	// answered: Result is done, failed, refused, dry-run or not-recorded.
	// Its Time is when the confirmation was entered (the answer's arrival
	// less the action's duration: a restart's verification may take 30 s).
	ScreenActionOutcome ScreenEventKind = "action-outcome"
)

// ScreenEvent is one thing the operator did, reported to Options.Observer.
type ScreenEvent struct {
	Time      time.Time
	Kind      ScreenEventKind
	Component string
	Check     string            // ScreenDrillDown: the check the drill-down opened at
	Action    remedy.ActionKind // ScreenActionRequested, ScreenActionOutcome
	Thread    int64             // a kill's thread
	Result    string            // ScreenActionOutcome: the guard's result
	// Retry: the guard refused what was typed (the confirmation word or
	// a missing reason); the dialog stays open for another try.
	Retry bool
	// Text is the event in words: the outcome's timeline line, the step answered.
	Text string
}

// observe hands e to the observer. It is called from Update: an observer
// must return at once (record and go).
func (m Model) observe(e ScreenEvent) {
	if m.observer == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = m.ctx.Now()
	}
	m.observer(e)
}

// stopMsg says Options.Stop was closed.
type stopMsg struct{}

// waitStop waits for Options.Stop; Update answers stopMsg with tea.Quit.
func (m Model) waitStop() tea.Cmd {
	if m.stop == nil {
		return nil
	}
	stop, done := m.stop, m.done
	return func() tea.Msg {
		select {
		case <-stop:
			return stopMsg{}
		case <-done:
			return nil
		}
	}
}

// outcomeEvent is a dialog's outcome as a screen event, at now less the
// action's duration.
func outcomeEvent(o dialog.OutcomeMsg, now time.Time) ScreenEvent {
	err := o.Err
	if err == nil {
		err = o.Outcome.Err
	}
	p := o.Outcome.Plan
	return ScreenEvent{Time: now.Add(-o.Outcome.Duration), Kind: ScreenActionOutcome, Component: p.Component, Action: p.Action, Thread: p.Thread,
		Result: o.Outcome.Result, Text: dialog.EventText(o.Outcome, o.Err),
		Retry: o.Outcome.Result == remedy.ResultRefused && (errors.Is(err, remedy.ErrNotConfirmed) || errors.Is(err, remedy.ErrReasonRequired))}
}
