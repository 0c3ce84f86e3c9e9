package probes

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fake is a probe whose behaviour a test chooses.
type fake struct {
	checks []Check
	run    func(ctx context.Context) []Result
	calls  atomic.Int32
}

func (f *fake) Checks() []Check { return f.checks }
func (f *fake) Run(ctx context.Context) []Result {
	f.calls.Add(1)
	return f.run(ctx)
}

var (
	reach   = Check{Name: "connect", Layer: Network, OnTimeout: Crit}
	measure = Check{Name: "cpu", Layer: Server, OnTimeout: Unknown, Rate: true}
)

func okProbe(checks ...Check) *fake {
	return &fake{checks: checks, run: func(context.Context) []Result {
		var out []Result
		for _, c := range checks {
			out = append(out, Result{Check: c.Name, Status: OK, Summary: "fine", Value: V(1)})
		}
		return out
	}}
}

func TestRoundOutcomes(t *testing.T) {
	// The hanging probe returns only when the test ends, so "the round did
	// not wait for it" is an order of events, not a time.
	release := make(chan struct{})
	var returned atomic.Bool
	hang := &fake{checks: []Check{reach, measure}, run: func(ctx context.Context) []Result {
		<-ctx.Done() // notices its context, then keeps going anyway
		<-release
		returned.Store(true)
		return nil
	}}
	t.Cleanup(func() { close(release) })
	panics := &fake{checks: []Check{measure}, run: func(context.Context) []Result { panic("boom") }}
	partial := &fake{checks: []Check{reach, measure}, run: func(context.Context) []Result {
		return []Result{{Check: "connect", Status: Warn, Summary: "slow"}}
	}}
	fleet := &fake{checks: nil, run: func(context.Context) []Result {
		return []Result{{Component: "node-7", Check: "cpu", Layer: Server, Status: Crit, Summary: "95%"}}
	}}
	s := NewScheduler([]Target{
		{Component: "api", ProbeID: "tcp", Probe: okProbe(reach), Timeout: time.Second},
		{Component: "db", ProbeID: "hang", Probe: hang, Timeout: 200 * time.Millisecond},
		{Component: "host", ProbeID: "panics", Probe: panics, Timeout: time.Second},
		{Component: "app", ProbeID: "partial", Probe: partial, Timeout: time.Second},
		{Component: "prom", ProbeID: "prometheus", Probe: fleet, Timeout: time.Second},
	}, Options{Interval: time.Hour, Grace: 50 * time.Millisecond})

	first := s.Snapshot()
	require.Len(t, first.Checks, 6)
	for _, c := range first.Checks {
		assert.False(t, c.Probed)
		assert.Equal(t, "probing…", c.Summary)
	}

	snap := s.Round(context.Background())
	assert.False(t, returned.Load(), "a hanging probe must not stall the round")

	want := map[string]struct {
		status  Status
		summary string
	}{
		"api/tcp/connect":       {OK, "fine"},
		"db/hang/connect":       {Crit, "timed out after 200ms"},
		"db/hang/cpu":           {Unknown, "timed out after 200ms"},
		"host/panics/cpu":       {Unknown, "probe failed"},
		"app/partial/connect":   {Warn, "slow"},
		"app/partial/cpu":       {Unknown, "no result"},
		"node-7/prometheus/cpu": {Crit, "95%"},
	}
	require.Len(t, snap.Checks, len(want))
	for id, w := range want {
		c, ok := snap.ByID(id)
		require.True(t, ok, id)
		assert.Equal(t, w.status, c.Status, id)
		assert.Equal(t, w.summary, c.Summary, id)
		assert.True(t, c.Probed, id)
		assert.False(t, c.InFlight, id)
	}
	hc, _ := snap.ByID("db/hang/connect")
	assert.True(t, hc.TimedOut)
	pc, _ := snap.ByID("host/panics/cpu")
	assert.Contains(t, pc.Err, "boom")

	// The hanging probe is still running: the next round must not start it again.
	snap = s.Round(context.Background())
	hc, _ = snap.ByID("db/hang/connect")
	assert.Equal(t, Unknown, hc.Status)
	assert.Equal(t, "still running from an earlier round", hc.Summary)
	assert.Equal(t, int32(1), hang.calls.Load())
	assert.Len(t, hc.History, 2)
	assert.Equal(t, 2, snap.Round)
}

func TestHistoryIsBoundedAndShared(t *testing.T) {
	s := NewScheduler([]Target{{Component: "a", ProbeID: "p", Probe: okProbe(measure)}}, Options{HistoryLen: 3})
	var snaps []Snapshot
	for range 5 {
		snaps = append(snaps, s.Round(context.Background()))
	}
	h := snaps[4].Checks[0].History
	assert.Len(t, h, 3)
	assert.Len(t, snaps[0].Checks[0].History, 1, "an old snapshot keeps its own history")
}

func TestSubscribeLatestWins(t *testing.T) {
	s := NewScheduler([]Target{{Component: "a", ProbeID: "p", Probe: okProbe(reach)}}, Options{})
	ch := s.Subscribe()
	first := <-ch
	assert.Equal(t, 0, first.Round)
	s.Round(context.Background())
	s.Round(context.Background())
	got := <-ch
	assert.Equal(t, 2, got.Round, "a slow reader gets the newest snapshot")
	select {
	case extra := <-ch:
		t.Fatalf("unexpected queued snapshot of round %d", extra.Round)
	default:
	}
}

func TestStartTriggerAndStop(t *testing.T) {
	p := okProbe(reach)
	s := NewScheduler([]Target{{Component: "a", ProbeID: "p", Probe: p}}, Options{Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	ch := s.Subscribe()
	<-ch
	s.Start(ctx)
	waitRound := func(n int) {
		deadline := time.After(2 * time.Second)
		for {
			select {
			case snap := <-ch:
				if snap.Round >= n {
					return
				}
			case <-deadline:
				t.Fatalf("round %d never came", n)
			}
		}
	}
	waitRound(1)
	s.Trigger()
	waitRound(2)
	cancel()
	assert.GreaterOrEqual(t, p.calls.Load(), int32(2))
}

func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	wellBehaved := &fake{checks: []Check{reach}, run: func(ctx context.Context) []Result {
		<-ctx.Done()
		return []Result{{Check: "connect", Status: Crit, Summary: "timed out"}}
	}}
	s := NewScheduler([]Target{
		{Component: "a", ProbeID: "p", Probe: wellBehaved, Timeout: 50 * time.Millisecond},
		{Component: "b", ProbeID: "p", Probe: okProbe(reach)},
	}, Options{})
	for range 3 {
		s.Round(context.Background())
	}
	// A generous wait that ends as soon as the goroutines are gone. Not
	// require.Eventually: it runs the condition in a goroutine of its own,
	// which the count would include.
	deadline := time.Now().Add(2*time.Second + grace.Period())
	n := runtime.NumGoroutine()
	for n > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	require.LessOrEqual(t, n, before, "goroutines: before %d, after %d", before, n)
}

func TestStatusOrderAndThreshold(t *testing.T) {
	assert.Equal(t, Crit, Worst(OK, Warn, Unknown, Crit))
	assert.Equal(t, Unknown, Worst(OK, Warn, Unknown))
	assert.Equal(t, OK, Worst())
	tests := []struct {
		name string
		th   Threshold
		v    float64
		want Status
	}{
		{"below warn", Above(80, 95), 80, OK},
		{"over warn", Above(80, 95), 80.5, Warn},
		{"over crit", Above(80, 95), 96, Crit},
		{"days left ok", BelowT(30, 7), 30, OK},
		{"days left warn", BelowT(30, 7), 29, Warn},
		{"days left crit", BelowT(30, 7), 3, Crit},
		{"merge keeps direction", BelowT(30, 7).Merge(Threshold{Crit: V(14)}), 10, Crit},
		{"no bounds", Threshold{}, 1e9, OK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, tc.th.Grade(tc.v)) })
	}
}

func TestFleetChecksFailWithTheirProbe(t *testing.T) {
	var hang atomic.Bool
	fleet := &fake{checks: []Check{{Name: "instances", Layer: Server, OnTimeout: Unknown}}, run: func(ctx context.Context) []Result {
		if hang.Load() {
			<-ctx.Done()
			time.Sleep(300 * time.Millisecond)
			return nil
		}
		return []Result{
			{Check: "instances", Status: OK, Summary: "1 instance"},
			{Component: "node-7", Check: "cpu", Layer: Server, Status: OK, Summary: "12%"},
		}
	}}
	s := NewScheduler([]Target{{Component: "prom", ProbeID: "prometheus", Probe: fleet, Timeout: 100 * time.Millisecond}},
		Options{Grace: 20 * time.Millisecond})
	snap := s.Round(context.Background())
	c, ok := snap.ByID("node-7/prometheus/cpu")
	require.True(t, ok)
	assert.Equal(t, OK, c.Status)

	hang.Store(true)
	snap = s.Round(context.Background())
	c, _ = snap.ByID("node-7/prometheus/cpu")
	assert.Equal(t, Unknown, c.Status, "an instance's check must not keep its old ok when the probe times out")
	assert.Equal(t, "timed out after 100ms", c.Summary)
	assert.True(t, c.TimedOut)
}

func TestDeadlineWithMissingChecksIsTimedOut(t *testing.T) {
	p := &fake{checks: []Check{reach, measure}, run: func(ctx context.Context) []Result {
		<-ctx.Done()
		return []Result{{Check: "connect", Status: Crit, Summary: "timed out (3/3)"}}
	}}
	s := NewScheduler([]Target{{Component: "a", ProbeID: "p", Probe: p, Timeout: 50 * time.Millisecond}}, Options{})
	snap := s.Round(context.Background())
	c, _ := snap.ByID("a/p/connect")
	assert.Equal(t, "timed out (3/3)", c.Summary, "the probe's own words win")
	m, _ := snap.ByID("a/p/cpu")
	assert.Equal(t, Unknown, m.Status)
	assert.True(t, m.TimedOut)
	assert.Equal(t, "timed out after 50ms", m.Summary)
}
