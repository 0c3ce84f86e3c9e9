package tui

import (
	"context"
	"fmt"
	"log"
	"slices"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/network"
	"github.com/fivelayer/triage/tui/drill"
)

// TraceFunc traces the path to host in at most maxHops hops within ctx:
// network.Trace, or a fake in tests.
type TraceFunc func(ctx context.Context, host string, maxHops int) (network.TraceResult, error)

// The bounds of a path trace: it runs on demand and must end on its own.
const (
	traceTimeout = 30 * time.Second
	traceHops    = 30
)

// tracer runs the drill-down's path traces: one at a time, the one on
// screen; closing the panel cancels it.
type tracer struct {
	fn     TraceFunc
	seq    int                // the latest request: older answers are dropped
	cancel context.CancelFunc // of the trace in flight; nil when none
}

func newTracer(fn TraceFunc) tracer {
	if fn == nil {
		fn = network.Trace
	}
	return tracer{fn: fn}
}

// traceDoneMsg is a finished trace for request seq.
type traceDoneMsg struct {
	seq int
	res network.TraceResult
	err error
}

// traceKey answers T outside the trace panel: it traces from the
// drill-down, and says why not elsewhere.
func (m *Model) traceKey() tea.Cmd {
	switch {
	case m.top() != viewDrill:
		m.setStatus("T traces the route from the drill-down: enter on a check first")
		return nil
	case m.ctx.Mode == Replay:
		m.setStatus("replay: a trace would show this machine's network today, not the recorded one")
		return nil
	}
	return m.startTrace()
}

// startTrace shows "tracing…" over the drill-down and traces, in a
// command, to the host of the component's first probe that names one. A
// trace shown already is replaced (and stopped).
func (m *Model) startTrace() tea.Cmd {
	m.stopTrace()
	m.tracer.seq++
	seq, comp := m.tracer.seq, m.component()
	host, why := drill.TraceTarget(m.ctx, comp)
	m.open(traceChild{t: drill.NewTrace(comp, seq, host, why, fmt.Sprintf("at most %d hops within %s", traceHops, traceTimeout))}, true)
	m.rev++
	if host == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(m.act.ctx, traceTimeout)
	m.tracer.cancel = cancel
	fn := m.tracer.fn
	log.Printf("tui: trace %s (%s)", host, comp)
	return func() tea.Msg {
		defer cancel()
		res, err := fn(ctx, host, traceHops)
		return traceDoneMsg{seq: seq, res: res, err: err}
	}
}

// stopTrace cancels the trace in flight, if any.
func (m *Model) stopTrace() {
	if m.tracer.cancel != nil {
		m.tracer.cancel()
		m.tracer.cancel = nil
	}
}

// handleTraceDone puts a finished trace on its panel; an answer for a
// panel closed since, or replaced by another trace, is dropped.
func (m *Model) handleTraceDone(msg traceDoneMsg) {
	if msg.seq == m.tracer.seq {
		m.tracer.cancel = nil // the command has cancelled its context
	}
	i := m.find(viewTrace)
	if i < 0 {
		return
	}
	c := m.stack[i].(traceChild)
	if c.t.Set(msg.seq, msg.res, msg.err) {
		m.stack = slices.Clone(m.stack)
		m.stack[i] = c
		m.rev++
	}
}

// traceChild is the path trace panel over the drill-down: esc closes it
// (and stops the trace), the arrows and pages scroll it, T traces again.
// Other keys go on to the screen's global keys.
type traceChild struct{ t drill.Trace }

func (traceChild) kind() view    { return viewTrace }
func (traceChild) overlay() bool { return true }

func (c traceChild) Update(m *Model, msg tea.KeyMsg) (child, tea.Cmd, bool) {
	k, l := m.ctx.Keys, m.layout()
	switch {
	case key.Matches(msg, k.Back):
		m.back() // stops the trace
	case key.Matches(msg, k.Trace):
		cmd := m.startTrace() // a new panel in this one's place
		return m.topChild(), cmd, true
	case key.Matches(msg, k.Up):
		c.t.Scroll(m.ctx, -1, l.w, l.areaH)
	case key.Matches(msg, k.Down):
		c.t.Scroll(m.ctx, 1, l.w, l.areaH)
	case key.Matches(msg, k.PageUp):
		c.t.Scroll(m.ctx, -l.areaH+1, l.w, l.areaH)
	case key.Matches(msg, k.PageDown):
		c.t.Scroll(m.ctx, l.areaH-1, l.w, l.areaH)
	default:
		return c, nil, false
	}
	m.rev++
	return c, nil, true
}

func (c traceChild) View(m *Model, l layout) []string { return c.t.View(m.ctx, l.w, l.areaH) }

func (traceChild) Help(m *Model) []key.Binding { return m.ctx.Keys.TraceHelp() }

// traceOpen reports whether the trace panel is shown.
func (m Model) traceOpen() bool { return m.find(viewTrace) >= 0 }
