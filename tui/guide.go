package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/views"
)

// guideChild is the guide: the procedure walked with live answers. j/k
// select a step, y/n give the operator's answer to it, u (or backspace)
// takes that back; the pages scroll.
type guideChild struct {
	sel int // the selected step
	off int // first line shown
}

func (guideChild) kind() view    { return viewGuide }
func (guideChild) overlay() bool { return false }

func (c guideChild) Update(m *Model, msg tea.KeyMsg) (child, tea.Cmd, bool) {
	k := m.ctx.Keys
	switch {
	case key.Matches(msg, k.Up):
		c.selectStep(m, c.sel-1)
	case key.Matches(msg, k.Down):
		c.selectStep(m, c.sel+1)
	case key.Matches(msg, k.AnswerYes):
		return c, c.overrideStep(m, true, false), true
	case key.Matches(msg, k.AnswerNo):
		return c, c.overrideStep(m, false, false), true
	case key.Matches(msg, k.AnswerClear):
		return c, c.overrideStep(m, false, true), true
	case key.Matches(msg, k.Back):
		m.back()
	default:
		l := m.layout()
		lines, _ := views.Guide(m.ctx, l.w, c.sel)
		off, ok := scroll(m, msg, c.off, len(lines))
		if !ok {
			return c, nil, false
		}
		c.off = off
	}
	m.rev++
	return c, nil, true
}

func (c guideChild) View(m *Model, l layout) []string {
	lines, _ := views.Guide(m.ctx, l.w, c.sel)
	return window(lines, c.off, l.w, l.areaH)
}

func (guideChild) Help(m *Model) []key.Binding { return m.ctx.Keys.GuideHelp() }

// toggleGuide answers g: the guide opens at the step the walk is at; g on
// the guide closes it.
func (m *Model) toggleGuide() tea.Cmd {
	m.toggle(guideChild{})
	if i := m.find(viewGuide); i >= 0 && m.top() == viewGuide {
		c := m.stack[i].(guideChild)
		c.selectStep(m, hereStep(m.ctx))
		m.stack[i] = c
		m.observe(ScreenEvent{Kind: ScreenGuideOpened})
	}
	m.rev++
	return nil
}

// guideSel is the guide's selected step, -1 when the guide is not open.
func (m Model) guideSel() int {
	if i := m.find(viewGuide); i >= 0 {
		return m.stack[i].(guideChild).sel
	}
	return -1
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
func (c *guideChild) selectStep(m *Model, i int) {
	l := m.layout()
	lines, at := views.Guide(m.ctx, l.w, i)
	if len(at) == 0 {
		return
	}
	c.sel = max(0, min(i, len(at)-1))
	top, end := at[c.sel], len(lines)
	if c.sel+1 < len(at) {
		end = at[c.sel+1]
	}
	off := c.off
	if end > off+l.areaH {
		off = end - l.areaH
	}
	off = min(off, top)
	if c.sel == 0 {
		off = 0 // the title too
	}
	c.off = max(0, min(off, len(lines)-l.areaH))
}

// overrideStep sets (or, with unset, removes) the operator's answer to the
// selected step and notes it on the timeline.
func (c guideChild) overrideStep(m *Model, yes, unset bool) tea.Cmd {
	if m.ctx.Viewer() { // the answer is every session's: an operator's to give
		m.setStatus("viewer: only an operator key answers the guide (the answer is every session's)")
		return nil
	}
	if !views.Ready(m.ctx) {
		m.setStatus("the walk starts when the first round is in: nothing to answer yet")
		return nil
	}
	steps := views.Steps(m.ctx)
	if c.sel < 0 || c.sel >= len(steps) {
		return nil
	}
	s := steps[c.sel]
	n := c.sel + 1
	if !s.Decision() {
		m.setStatus(fmt.Sprintf("step %d (%s) is not a yes/no question", n, s.Question))
		return nil
	}
	var text string
	switch {
	case unset && !s.Overridden:
		m.setStatus(fmt.Sprintf("step %d has no answer of yours to clear", n))
		return nil
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
	if !unset {
		m.observe(ScreenEvent{Kind: ScreenGuideAnswered, Text: text})
	}
	return m.recordEvent(incident.Event{Time: m.ctx.Now(), Kind: incident.Note, Subject: "guide/" + s.ID, Text: text}, true)
}
