package dialog

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// Help is the keys that mean something now, for the footer.
func (m Model) Help() []key.Binding {
	k := m.keys()
	switch m.phase {
	case previewing:
		return []key.Binding{k.Cancel}
	case running:
		return nil
	case finished:
		return []key.Binding{k.Close, k.Again, k.PageDown}
	}
	if !m.usable() {
		out := []key.Binding{k.Close}
		if r := m.plan.Refusal; !errors.Is(r, remedy.ErrReadOnly) && !errors.Is(r, remedy.ErrReplay) && !errors.Is(r, remedy.ErrNotEnabled) && !errors.Is(r, remedy.ErrViewer) {
			out = append(out, k.Again) // the state may change; the mode, the config and the role will not
		}
		if m.canPickThread() {
			out = append(out, k.Thread)
		}
		return out
	}
	out := []key.Binding{k.Confirm, k.Next, k.Cancel}
	if m.canPickThread() {
		out = append(out, k.Thread)
	}
	return append(out, k.Again, k.PageDown)
}

// usable reports whether the plan shown can be confirmed.
func (m Model) usable() bool { return m.phase == ready && m.hasPlan && m.plan.Refusal == nil }

// isKill: the action is confirmed with a thread id, so another thread may be picked.
func (m Model) isKill() bool {
	s, _ := catalog.Lookup(m.req.Action)
	return s.Confirm == catalog.Thread
}

func (m Model) canPickThread() bool {
	return m.isKill() && (len(m.threads) > 1 || len(m.threads) == 1 && m.plan.Thread != m.threads[0])
}

// fields is how many input fields the plan needs.
func (m Model) fields() int {
	if m.plan.SecondConfirm != "" {
		return 3
	}
	return 2
}

// Update moves the dialog on a key or a command's answer.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case PreviewMsg:
		return m.handlePreview(msg)
	case OutcomeMsg:
		return m.handleOutcome(msg), nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

func (m Model) handlePreview(msg PreviewMsg) (Model, tea.Cmd) {
	if m.phase != previewing || msg.Seq != m.seq {
		return m, forget(m.deps.Guard, msg.Plan) // a late answer to a cancelled preview
	}
	m.phase, m.offset = ready, 0
	if msg.Err != nil {
		m.outErr = msg.Err
		return m, nil
	}
	m.plan, m.hasPlan, m.outErr = msg.Plan, true, nil
	m.focus = fieldReason
	return m, m.focusField()
}

// retryable refusals leave the preview valid: the operator fixes what was
// typed and presses enter again.
func retryable(err error) bool {
	return errors.Is(err, remedy.ErrNotConfirmed) || errors.Is(err, remedy.ErrReasonRequired) || errors.Is(err, remedy.ErrBusy)
}

func (m Model) handleOutcome(msg OutcomeMsg) Model {
	if m.phase != running || msg.Seq != m.seq {
		return m
	}
	err := msg.Err
	if err == nil {
		err = msg.Outcome.Err
	}
	if msg.Outcome.Result == remedy.ResultRefused && retryable(err) {
		m.phase, m.notice = ready, "refused: "+err.Error()+" — nothing ran"
		m.focus = fieldConfirm
		if errors.Is(err, remedy.ErrReasonRequired) {
			m.focus = fieldReason
		}
		m.focusField()
		return m
	}
	m.phase, m.out, m.outErr, m.offset = finished, msg.Outcome, err, 0
	return m
}

func (m Model) handleKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys()
	switch m.phase {
	case running:
		m.notice = "running… the action cannot be cancelled here; its outcome is recorded when it ends"
		return m, nil
	case previewing:
		if key.Matches(msg, k.Cancel) {
			return m.Close()
		}
		return m, nil
	case finished:
		switch {
		case key.Matches(msg, k.Close):
			return m.Close()
		case key.Matches(msg, k.Again):
			return m.preview()
		}
		return m.scroll(msg), nil
	}
	return m.handleReadyKey(msg)
}

// handleReadyKey is a key while the plan is shown: the fields, another
// thread, a new preview, or the confirmation.
func (m Model) handleReadyKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys()
	switch {
	case key.Matches(msg, k.Cancel):
		return m.Close()
	case key.Matches(msg, k.Again):
		return m.preview()
	case key.Matches(msg, k.Thread) && m.canPickThread():
		return m.pickThread(msg.String() == "down")
	case key.Matches(msg, k.PageUp, k.PageDown):
		return m.scroll(msg), nil
	case !m.usable():
		if key.Matches(msg, k.Close) {
			return m.Close()
		}
		return m, nil
	case key.Matches(msg, k.Next):
		m.focus = (m.focus + 1) % m.fields()
		return m, m.focusField()
	case key.Matches(msg, k.Prev):
		m.focus = (m.focus + m.fields() - 1) % m.fields()
		return m, m.focusField()
	case key.Matches(msg, k.Confirm):
		return m.confirm()
	}
	var cmd tea.Cmd
	m.inputs[m.focus], cmd = m.inputs[m.focus].Update(msg)
	m.notice = "" // the refusal was about what is being retyped
	return m, cmd
}

// confirm is enter in a field: the next field, or — in the last one, with
// a word typed — the execution. The guard checks the word; the dialog only
// refuses an empty one.
func (m Model) confirm() (Model, tea.Cmd) {
	if m.focus < m.fields()-1 {
		m.focus++
		return m, m.focusField()
	}
	if trim(m.inputs[fieldConfirm].Value()) == "" {
		m.focus, m.notice = fieldConfirm, "type "+m.plan.ConfirmWord+" to confirm"
		return m, m.focusField()
	}
	if m.fields() == 3 && trim(m.inputs[fieldSecond].Value()) == "" {
		m.notice = "failover: type " + m.plan.SecondConfirm + " as well"
		return m, nil
	}
	return m.execute()
}

// focusField gives the keys to the focused input.
func (m *Model) focusField() tea.Cmd {
	var cmd tea.Cmd
	for i := range m.inputs {
		if i == m.focus {
			cmd = m.inputs[i].Focus()
		} else {
			m.inputs[i].Blur()
		}
	}
	return cmd
}

// pickThread previews the next (or previous) session from lock_waits.
func (m Model) pickThread(next bool) (Model, tea.Cmd) {
	at := -1
	for i, t := range m.threads {
		if t == m.plan.Thread {
			at = i
		}
	}
	switch {
	case at < 0:
		at = 0
	case next:
		at = (at + 1) % len(m.threads)
	default:
		at = (at + len(m.threads) - 1) % len(m.threads)
	}
	m.req.Thread = m.threads[at]
	m.inputs[fieldConfirm].SetValue("")
	return m.preview()
}

func (m Model) scroll(msg tea.KeyMsg) Model {
	switch {
	case key.Matches(msg, m.keys().PageUp):
		m.offset = max(0, m.offset-5)
	case key.Matches(msg, m.keys().PageDown):
		m.offset += 5 // View clamps
	}
	return m
}

func trim(s string) string { return strings.TrimSpace(s) }
