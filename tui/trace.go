package tui

import (
	"context"
	"fmt"
	"log"
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

// startTrace answers T in the drill-down: it shows "tracing…" and traces,
// in a command, to the host of the component's first probe that names one.
func (m Model) startTrace() (tea.Model, tea.Cmd) {
	m.stopTrace()
	m.tracer.seq++
	seq, comp := m.tracer.seq, m.drill.Component()
	host, why := drill.TraceTarget(m.ctx, comp)
	m.drill.OpenTrace(seq, host, why, fmt.Sprintf("at most %d hops within %s", traceHops, traceTimeout))
	m.rev++
	if host == "" {
		return m, nil
	}
	ctx, cancel := context.WithTimeout(m.act.ctx, traceTimeout)
	m.tracer.cancel = cancel
	fn := m.tracer.fn
	log.Printf("tui: trace %s (%s)", host, comp)
	return m, func() tea.Msg {
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

func (m *Model) handleTraceDone(msg traceDoneMsg) {
	if msg.seq == m.tracer.seq {
		m.tracer.cancel = nil // the command has cancelled its context
	}
	if m.drill.SetTrace(msg.seq, msg.res, msg.err) {
		m.rev++
	}
}

// handleTraceKey takes the keys the open trace panel uses: esc closes it
// (and stops the trace), the arrows and pages scroll it, T traces again.
// Other keys go on to the screen's own handling.
func (m Model) handleTraceKey(msg tea.KeyMsg) (tea.Model, tea.Cmd, bool) {
	k, l := m.ctx.Keys, m.layout()
	switch {
	case key.Matches(msg, k.Back):
		m.stopTrace()
		m.drill.CloseTrace()
	case key.Matches(msg, k.Trace):
		mm, cmd := m.startTrace()
		return mm, cmd, true
	case key.Matches(msg, k.Up):
		m.drill.ScrollTrace(m.ctx, -1, l.w, l.areaH)
	case key.Matches(msg, k.Down):
		m.drill.ScrollTrace(m.ctx, 1, l.w, l.areaH)
	case key.Matches(msg, k.PageUp):
		m.drill.ScrollTrace(m.ctx, -l.areaH+1, l.w, l.areaH)
	case key.Matches(msg, k.PageDown):
		m.drill.ScrollTrace(m.ctx, l.areaH-1, l.w, l.areaH)
	default:
		return m, nil, false
	}
	m.rev++
	return m, nil, true
}
