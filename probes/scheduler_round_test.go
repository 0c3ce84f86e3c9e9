package probes

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gauge counts probes running at once, per address, and keeps the highest.
type gauge struct {
	mu   sync.Mutex
	now  map[string]int
	peak map[string]int
}

func (g *gauge) probe(addr string, hold time.Duration) *fake {
	return &fake{checks: []Check{reach}, run: func(ctx context.Context) []Result {
		g.mu.Lock()
		g.now[addr]++
		g.peak[addr] = max(g.peak[addr], g.now[addr])
		g.mu.Unlock()
		select {
		case <-time.After(hold):
		case <-ctx.Done():
		}
		g.mu.Lock()
		g.now[addr]--
		g.mu.Unlock()
		return []Result{{Check: "connect", Status: OK, Summary: "fine"}}
	}}
}

func TestMaxPerAddress(t *testing.T) {
	tests := []struct {
		name    string
		max     int // 0: the default
		want    int
		targets int
	}{
		{"default", 0, DefaultMaxPerAddress, 40},
		{"configured", 2, 2, 20},
		{"one at a time", 1, 1, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &gauge{now: map[string]int{}, peak: map[string]int{}}
			var targets []Target
			for i := range tt.targets {
				targets = append(targets, Target{Component: fmt.Sprint("c", i), ProbeID: "http", Address: "10.0.0.1:80",
					Probe: g.probe("10.0.0.1:80", 20*time.Millisecond), Timeout: 10 * time.Second})
				// Probes of other addresses and of none are not held back by it.
				targets = append(targets, Target{Component: fmt.Sprint("d", i), ProbeID: "http", Address: fmt.Sprintf("10.0.0.2:%d", i),
					Probe: g.probe("other", 20*time.Millisecond), Timeout: 10 * time.Second})
				targets = append(targets, Target{Component: fmt.Sprint("e", i), ProbeID: "host",
					Probe: g.probe("none", 20*time.Millisecond), Timeout: 10 * time.Second})
			}
			snap := NewScheduler(targets, Options{MaxPerAddress: tt.max}).Round(context.Background())
			for _, c := range snap.Checks {
				assert.Equal(t, OK, c.Status, c.ID+": "+c.Summary)
			}
			assert.Equal(t, tt.want, g.peak["10.0.0.1:80"], "at most the cap at once against one address")
			assert.Greater(t, g.peak["other"], tt.want, "distinct addresses run together")
			assert.Greater(t, g.peak["none"], tt.want, "probes without an address are not capped")
		})
	}
}

// TestBusyAddressIsUnknown: a probe whose address stays busy for its whole
// timeout was not probed; it says so as unknown, never as the server's failure.
func TestBusyAddressIsUnknown(t *testing.T) {
	const timeout, probeGrace = 200 * time.Millisecond, 150 * time.Millisecond
	stuck := func() Probe { // ignores its deadline: holds the slot until the runner gives up on it
		return &fake{checks: []Check{reach}, run: func(context.Context) []Result {
			time.Sleep(timeout + probeGrace + 300*time.Millisecond)
			return nil
		}}
	}
	var targets []Target
	for i := range 3 {
		targets = append(targets, Target{Component: fmt.Sprint("c", i), ProbeID: "tcp", Address: "10.9.9.9:1", Probe: stuck(), Timeout: timeout})
	}
	start := time.Now()
	snap := NewScheduler(targets, Options{MaxPerAddress: 2, Grace: probeGrace}).Round(context.Background())
	took := time.Since(start)
	var notProbed, timedOut int
	for _, c := range snap.Checks {
		switch {
		case c.TimedOut:
			timedOut++
			assert.Equal(t, Crit, c.Status, "a reachability check that times out is crit")
		case c.Status == Unknown:
			notProbed++
			assert.Contains(t, c.Summary, "not probed")
			assert.Contains(t, c.Summary, "max_per_address 2")
		}
	}
	assert.Equal(t, 2, timedOut, "two ran and timed out")
	assert.Equal(t, 1, notProbed, "the third never got a slot")
	grace.Within(t, took, 2*(timeout+probeGrace), "waiting for a slot is bounded by the timeout")
}

func TestSpreadOffsetIsStableAndInsideTheWindow(t *testing.T) {
	const window = 4 * time.Second
	seen := map[time.Duration]bool{}
	var sum time.Duration
	const n = 1000
	for i := range n {
		tg := Target{Component: fmt.Sprint("web-", i), ProbeID: "http", Address: fmt.Sprintf("10.0.%d.%d:443", i/250, i%250)}
		off := spreadOffset(tg, window)
		assert.Equal(t, off, spreadOffset(tg, window), "the same target keeps its offset")
		assert.GreaterOrEqual(t, off, time.Duration(0))
		assert.Less(t, off, window)
		seen[off] = true
		sum += off
	}
	assert.Greater(t, len(seen), n*9/10, "targets get different offsets")
	mean := sum / n
	assert.InDelta(t, float64(window/2), float64(mean), float64(window/10), "offsets spread over the window")
	assert.Zero(t, spreadOffset(Target{Component: "a"}, 0), "no window: at once")
	assert.Zero(t, spreadOffset(Target{Component: "a"}, -time.Second))
}

// TestSpreadRoundStartsInOffsetOrder: a spread round starts its probes one
// by one, none before its offset (a loaded machine can only make a start
// later, so that is what holds anywhere), and still ends before the next
// round is due.
func TestSpreadRoundStartsInOffsetOrder(t *testing.T) {
	var mu sync.Mutex
	var started []string
	at := map[string]time.Duration{} // when each probe started, from the round's start
	var start time.Time
	var targets []Target
	for i := range 8 {
		name := fmt.Sprint("c", i)
		targets = append(targets, Target{Component: name, ProbeID: "p", Timeout: 100 * time.Millisecond,
			Probe: &fake{checks: []Check{reach}, run: func(context.Context) []Result {
				mu.Lock()
				started = append(started, name)
				at[name] = time.Since(start)
				mu.Unlock()
				return []Result{{Check: "connect", Status: OK}}
			}}})
	}
	const interval = 600 * time.Millisecond
	s := NewScheduler(targets, Options{Interval: interval, Grace: 10 * time.Millisecond})
	offset := map[string]time.Duration{}
	for _, tg := range s.byOffset {
		offset[tg.Component] = tg.offset
		assert.Less(t, tg.offset, interval-tg.Timeout, "a probe ends before the next round")
	}
	mu.Lock()
	start = time.Now()
	mu.Unlock()
	snap := s.run(context.Background(), roundPlan{spread: true})
	require.Len(t, started, len(targets))
	for name, off := range offset {
		assert.GreaterOrEqual(t, at[name], off-5*time.Millisecond, "%s started before its offset", name)
	}
	assert.Less(t, time.Since(start), interval*5/4+grace.Period(), "bounded by the interval (plus a loaded machine's grace)")
	for _, c := range snap.Checks {
		assert.Equal(t, OK, c.Status)
	}
}

// TestRoundResampled: only probes with a rate check run twice, the second
// time window after the first returned, while the others run once and the
// round is not run twice.
func TestRoundResampled(t *testing.T) {
	var mu sync.Mutex
	var events []string
	var rateRuns, plainRuns atomic.Int32
	rate := &fake{checks: []Check{measure}, run: func(context.Context) []Result {
		n := rateRuns.Add(1)
		mu.Lock()
		events = append(events, fmt.Sprint("rate ", n))
		mu.Unlock()
		return []Result{{Check: "cpu", Status: OK, Value: V(float64(n))}}
	}}
	slow := &fake{checks: []Check{reach}, run: func(ctx context.Context) []Result {
		plainRuns.Add(1)
		<-ctx.Done() // a silent port: the whole timeout
		mu.Lock()
		events = append(events, "silent done")
		mu.Unlock()
		return []Result{{Check: "connect", Status: Crit, Summary: "timed out"}}
	}}
	const timeout, window = 600 * time.Millisecond, 200 * time.Millisecond
	s := NewScheduler([]Target{
		{Component: "host", ProbeID: "host", Probe: rate, Timeout: timeout},
		{Component: "db", ProbeID: "tcp", Probe: slow, Timeout: timeout},
	}, Options{Grace: 20 * time.Millisecond})
	start := time.Now()
	snap := s.RoundResampled(context.Background(), window)
	took := time.Since(start)
	assert.Equal(t, int32(2), rateRuns.Load(), "the rate probe sampled twice")
	assert.Equal(t, int32(1), plainRuns.Load(), "the rest once")
	assert.Equal(t, []string{"rate 1", "rate 2", "silent done"}, events, "the second sample is taken while the silent port waits")
	cpu, ok := snap.ByID("host/host/cpu")
	require.True(t, ok)
	assert.Equal(t, 2.0, *cpu.Value, "the round reports the second sample")
	grace.Within(t, took, timeout*5/4, "one timeout, not two rounds and a window")
}

func TestHistoryAppendSharesNothingVisible(t *testing.T) {
	const n = 16
	var buf []Sample
	var kept [][]Sample
	for i := range 200 {
		buf = appendSample(buf, Sample{Value: float64(i), HasValue: true}, n)
		h := buf[:len(buf):len(buf)]
		kept = append(kept, h)
		require.LessOrEqual(t, len(h), n)
		require.LessOrEqual(t, cap(buf), n+n/8, "bounded backing array")
		assert.Equal(t, float64(i), h[len(h)-1].Value)
	}
	for i, h := range kept { // every history handed out still reads as it did
		want := max(0, i-n+1)
		require.Equal(t, float64(want), h[0].Value, "history %d", i)
		require.Equal(t, float64(i), h[len(h)-1].Value, "history %d", i)
	}
}

func TestDeadline(t *testing.T) {
	due := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const timeout = 2 * time.Second
	tests := []struct {
		name  string
		start time.Duration // after due
		want  time.Duration // after due
	}{
		{"on time", 0, timeout},
		{"a little late: the round's deadline", 300 * time.Millisecond, timeout},
		{"late: at the deadline of the round", timeout / 2, timeout},
		{"very late: half a timeout of its own", 1500 * time.Millisecond, 2500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, due.Add(tt.want), deadline(due, timeout, due.Add(tt.start)))
		})
	}
}

// TestNothingChangedNothingPublished: a reader is sent a snapshot only when
// something in it changed, so an idle estate costs the screen nothing.
func TestNothingChangedNothingPublished(t *testing.T) {
	s := NewScheduler([]Target{{Component: "a", ProbeID: "p", Probe: okProbe(reach)}}, Options{})
	ch := s.Subscribe()
	first := <-ch
	s.Round(context.Background())
	last := <-ch
	assert.Greater(t, last.Version, first.Version)
	assert.Equal(t, 1, last.Round)
	s.publish()
	select {
	case snap := <-ch:
		t.Fatalf("published version %d again after the round", snap.Version)
	default:
	}
}

// TestSampleIsCompact: a history sample is 32 bytes and holds no pointer,
// so the collector never scans the millions an estate of ten thousand
// checks keeps; its time survives the round trip to nanoseconds.
func TestSampleIsCompact(t *testing.T) {
	assert.Equal(t, uintptr(32), unsafe.Sizeof(Sample{}))
	st := reflect.TypeFor[Sample]()
	for i := range st.NumField() {
		switch st.Field(i).Type.Kind() {
		case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface, reflect.Struct:
			t.Errorf("Sample.%s is a %s: samples must hold no pointer", st.Field(i).Name, st.Field(i).Type)
		}
	}
	at := time.Date(2026, 12, 6, 21, 0, 0, 123456789, time.UTC)
	s := NewSample(at, Warn, V(4.5))
	assert.True(t, s.Time().Equal(at))
	assert.Equal(t, Warn, s.Status)
	assert.True(t, s.HasValue)
	assert.Equal(t, 4.5, s.Value)
	none := NewSample(time.Time{}, Unknown, nil)
	assert.True(t, none.Time().IsZero(), "an unknown time stays unknown")
	assert.False(t, none.HasValue)
}

func TestProgressPeriod(t *testing.T) {
	for n, want := range map[int]time.Duration{
		0: 250 * time.Millisecond, 500: 250 * time.Millisecond, 1000: 250 * time.Millisecond,
		4000: time.Second, 10000: 2 * time.Second, 100000: 2 * time.Second,
	} {
		assert.Equal(t, want, progressPeriod(n), "%d checks", n)
	}
}
