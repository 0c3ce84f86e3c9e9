package tui

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/network"
	"github.com/fivelayer/triage/tui/internal/fixture"
	"github.com/fivelayer/triage/tui/internal/golden"
)

// fakeTrace records its calls and answers with res, or waits for its
// context when block is set.
type fakeTrace struct {
	mu       sync.Mutex
	hosts    []string
	maxHops  int
	deadline time.Duration // how far away the context's deadline was
	ctxErr   error         // the context's error when a blocked call ended
	block    bool
	res      network.TraceResult
}

func (f *fakeTrace) trace(ctx context.Context, host string, maxHops int) (network.TraceResult, error) {
	f.mu.Lock()
	f.hosts = append(f.hosts, host)
	f.maxHops = maxHops
	if d, ok := ctx.Deadline(); ok {
		f.deadline = time.Until(d)
	}
	block := f.block
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		f.mu.Lock()
		f.ctxErr = ctx.Err()
		f.mu.Unlock()
		return network.TraceResult{Target: host, Incomplete: "deadline reached after 0 hops"}, nil
	}
	return f.res, nil
}

// loopTrace is a path that goes round between hops 4 and 7.
func loopTrace() network.TraceResult {
	ms := time.Millisecond
	hops := []network.Hop{
		{TTL: 1, Address: "192.168.10.1", RTT: 420 * time.Microsecond},
		{TTL: 2, Address: "10.20.0.1", RTT: 2 * ms},
		{TTL: 3},
		{TTL: 4, Address: "10.30.0.1", RTT: 7 * ms},
		{TTL: 5, Address: "10.30.0.2", RTT: 8 * ms},
		{TTL: 6, Address: "10.30.0.3", RTT: 9 * ms},
		{TTL: 7, Address: "10.30.0.4\x1b[2J", RTT: 10 * ms, Note: "!H"},
		{TTL: 8, Address: "10.30.0.1", RTT: 11 * ms},
		{TTL: 9, Address: "10.30.0.2", RTT: 12 * ms},
	}
	return network.TraceResult{Target: "10.0.0.1", Address: "10.0.0.1", Tool: "traceroute", Hops: hops,
		Loop: true, LoopHops: network.DetectLoop(hops)}
}

func TestTraceInDrillDown(t *testing.T) {
	f := &fakeTrace{res: loopTrace()}
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m.tracer = newTracer(f.trace)
	m, _ = press(t, m, "j", "enter")
	require.Equal(t, "invoice-api", m.drill().Component())

	m, cmd := press(t, m, "T")
	require.NotNil(t, cmd, "the trace runs in a command")
	assert.True(t, m.traceOpen())
	assert.Contains(t, m.View(), "tracing…")
	msg := cmd()
	assert.Equal(t, []string{"10.0.0.1"}, f.hosts, "the host of invoice-api's first probe")
	assert.Equal(t, traceHops, f.maxHops)
	assert.InDelta(t, traceTimeout.Seconds(), f.deadline.Seconds(), 1, "bounded by a deadline")

	m = update(t, m, msg)
	v := m.View()
	assert.Contains(t, v, "⟲ routing loop: hops 4–7 repeat")
	assert.NotContains(t, v, "\x1b[2J")
	golden.Assert(t, "trace_80x24", v)

	m, _ = press(t, m, "j")
	assert.Equal(t, "invoice-api/tcp/connect", m.drill().SelectedID, "j scrolls the trace, not the checks")
	m, _ = press(t, m, "esc")
	assert.False(t, m.traceOpen(), "esc closes the trace…")
	assert.Equal(t, viewDrill, m.top(), "…and stays in the drill-down")
	m, _ = press(t, m, "esc")
	assert.Equal(t, viewMain, m.top())
}

func TestTraceCancelledByEsc(t *testing.T) {
	f := &fakeTrace{block: true}
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m.tracer = newTracer(f.trace)
	m, cmd := press(t, m, "j", "enter", "T")
	require.NotNil(t, cmd)
	done := make(chan any)
	go func() { done <- cmd() }()
	m, _ = press(t, m, "esc")
	select {
	case msg := <-done:
		m = update(t, m, msg)
	case <-time.After(5 * time.Second):
		t.Fatal("esc did not stop the trace")
	}
	assert.ErrorIs(t, f.ctxErr, context.Canceled)
	assert.False(t, m.traceOpen(), "a late answer does not reopen the panel")
}

func TestTraceWithoutHost(t *testing.T) {
	f := &fakeTrace{}
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m.tracer = newTracer(f.trace)
	m, cmd := press(t, m, "tab", "tab", "tab", "j", "enter", "T")
	assert.Nil(t, cmd, "nothing to run")
	assert.Empty(t, f.hosts)
	assert.Contains(t, m.View(), "unavailable: db-primary has no probe with an address, a URL or a DNS name")

	m, _ = fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, cmd = press(t, m, "T")
	assert.Nil(t, cmd)
	assert.Contains(t, m.status, "T traces the route from the drill-down")
}

func TestTraceStaleAnswerDropped(t *testing.T) {
	f := &fakeTrace{res: loopTrace()}
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m.tracer = newTracer(f.trace)
	m, first := press(t, m, "j", "enter", "T")
	m, second := press(t, m, "T")
	require.NotNil(t, first)
	require.NotNil(t, second)
	m = update(t, m, traceDoneMsg{seq: 1, res: network.TraceResult{Tool: "stale-tool"}})
	assert.NotContains(t, m.View(), "stale-tool")
	assert.Contains(t, m.View(), "tracing…")
	m = update(t, m, second())
	assert.Contains(t, m.View(), "routing loop")
}

func TestTraceRefusedInReplay(t *testing.T) {
	f := &fakeTrace{res: loopTrace()}
	m, _ := fixtureModel(t, fixture.Config(), Replay, 80, 24)
	m.tracer = newTracer(f.trace)
	m, cmd := press(t, m, "j", "enter", "T")
	assert.Nil(t, cmd)
	assert.Empty(t, f.hosts)
	assert.False(t, m.traceOpen())
	assert.Contains(t, m.status, "replay: a trace would show this machine's network today")
}
