package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/views"
)

// handleGuideKey takes the guide's own keys: j/k select a step, y/n give
// the operator's answer to it, u (or backspace) takes that back. It reports
// false for a key that is not one of them (paging scrolls as elsewhere).
func (m Model) handleGuideKey(msg tea.KeyMsg) (tea.Model, tea.Cmd, bool) {
	k := m.ctx.Keys
	switch {
	case key.Matches(msg, k.Up):
		m.selectStep(m.guideSel - 1)
	case key.Matches(msg, k.Down):
		m.selectStep(m.guideSel + 1)
	case key.Matches(msg, k.AnswerYes):
		mm, cmd := m.overrideStep(true, false)
		return mm, cmd, true
	case key.Matches(msg, k.AnswerNo):
		mm, cmd := m.overrideStep(false, false)
		return mm, cmd, true
	case key.Matches(msg, k.AnswerClear):
		mm, cmd := m.overrideStep(false, true)
		return mm, cmd, true
	default:
		return m, nil, false
	}
	m.rev++
	return m, nil, true
}

// hereStep is the index of the step the operator is at, 0 when none: the
// guide opens with it selected.
func hereStep(ctx *common.Context) int {
	if !views.Ready(ctx) {
		return 0
	}
	for i, s := range views.Steps(ctx) {
		if s.Here {
			return i
		}
	}
	return 0
}

// selectStep selects step i (kept within the walk) and scrolls the guide so
// that the step's lines are in view.
func (m *Model) selectStep(i int) {
	l := m.layout()
	lines, at := views.Guide(m.ctx, l.w, i)
	if len(at) == 0 {
		return
	}
	m.guideSel = max(0, min(i, len(at)-1))
	top, end := at[m.guideSel], len(lines)
	if m.guideSel+1 < len(at) {
		end = at[m.guideSel+1]
	}
	off := m.offsets[viewGuide]
	if end > off+l.areaH {
		off = end - l.areaH
	}
	off = min(off, top)
	if m.guideSel == 0 {
		off = 0 // the title too
	}
	m.offsets[viewGuide] = max(0, min(off, len(lines)-l.areaH))
}

// overrideStep sets (or, with unset, removes) the operator's answer to the
// selected step and notes it on the timeline.
func (m Model) overrideStep(yes, unset bool) (tea.Model, tea.Cmd) {
	if !views.Ready(m.ctx) {
		m.setStatus("the walk starts when the first round is in: nothing to answer yet")
		return m, nil
	}
	steps := views.Steps(m.ctx)
	if m.guideSel < 0 || m.guideSel >= len(steps) {
		return m, nil
	}
	s := steps[m.guideSel]
	n := m.guideSel + 1
	if !s.Decision() {
		m.setStatus(fmt.Sprintf("step %d (%s) is not a yes/no question", n, s.Question))
		return m, nil
	}
	var text string
	switch {
	case unset && !s.Overridden:
		m.setStatus(fmt.Sprintf("step %d has no answer of yours to clear", n))
		return m, nil
	case unset:
		m.tracker.ClearOverride(s.ID)
		text = fmt.Sprintf("guide step %d %q: operator's answer %s cleared; the checks answer %s", n, s.Question, s.Answer, s.Checks)
	default:
		ans, was := "no", s.Answer
		if yes {
			ans = "yes"
		}
		if s.Overridden {
			was = s.Checks
		}
		m.tracker.Override(s.ID, yes)
		text = fmt.Sprintf("guide step %d %q overridden by operator: %s (checks said: %s)", n, s.Question, ans, was)
	}
	m.ctx.State.Overrides = m.tracker.Overrides()
	here := ""
	for i, st := range views.Steps(m.ctx) {
		if st.Here {
			here = fmt.Sprintf(" · now at step %d: %s", i+1, st.Action)
			break
		}
	}
	m.setStatus(text + here)
	return m, m.recordEvent(incident.Event{Time: m.ctx.Now(), Kind: incident.Note, Subject: "guide/" + s.ID, Text: text}, true)
}
