package network

import (
	"context"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
)

// openFDs counts the process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// TestSilentRoundHoldsNoGoroutines is the reason the connect poller exists:
// while 600 tcp probes wait on a silent port for their whole timeout, the
// round holds about as many goroutines as it did before it started, not
// one per probe, and it leaves neither goroutines nor sockets behind. The
// count is taken in the middle third of the wait: when the timeouts all
// end at once, each probe's end runs briefly on goroutines of its own
// (context.AfterFunc), which is not what a waiting probe holds.
func TestSilentRoundHoldsNoGoroutines(t *testing.T) {
	silent := testenv.Silent(t)
	const n = 600
	timeout := grace.Scale(1500 * time.Millisecond)
	targets := make([]probes.Target, 0, n)
	for i := range n {
		p, err := NewTCP(probes.Spec{Kind: "tcp", Address: silent, Count: 1})
		require.NoError(t, err)
		targets = append(targets, probes.Target{Component: "silent-" + strconv.Itoa(i), ProbeID: "tcp", Kind: "tcp", Probe: p, Timeout: timeout})
	}
	s := probes.NewScheduler(targets, probes.Options{})
	defer s.Close()
	_, err := sharedPoller() // its two descriptors stay open for the process's life
	require.NoError(t, err)
	before, fds := runtime.NumGoroutine(), openFDs(t)

	done := make(chan probes.Snapshot)
	start := time.Now()
	go func() { done <- s.Round(context.Background()) }()
	peak, samples := 0, 0
	var snap probes.Snapshot
	for waiting := true; waiting; {
		select {
		case snap = <-done:
			waiting = false
		case <-time.After(20 * time.Millisecond):
			if at := time.Since(start); at > timeout/3 && at < timeout*2/3 {
				peak, samples = max(peak, runtime.NumGoroutine()), samples+1
			}
		}
	}
	t.Logf("goroutines: %d before, %d at most in %d samples while %d silent probes waited", before, peak, samples, n)
	require.Positive(t, samples)
	assert.Less(t, peak, before+n/10, "a waiting probe holds no goroutine")
	require.Len(t, snap.Checks, n)
	for _, c := range snap.Checks {
		assert.Equal(t, probes.Crit, c.Status, "%s: %s", c.ID, c.Summary)
		assert.Contains(t, c.Summary, "timed out", c.ID)
	}
	assert.LessOrEqual(t, waitGoroutines(before, grace.Period()), before, "goroutines left behind")
	for deadline := time.Now().Add(grace.Period()); openFDs(t) > fds && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, openFDs(t), fds, "every socket closed (an earlier test's may close meanwhile)")
}

// TestPollerEachOutcomeOnce: connects aborted at random points, racing
// their own outcomes, each report exactly one outcome, and every socket is
// closed.
func TestPollerEachOutcomeOnce(t *testing.T) {
	p, err := sharedPoller()
	require.NoError(t, err)
	addrs := map[string]string{"open": testenv.Open(t), "refused": testenv.Refused(t), "silent": testenv.Silent(t)}
	fds := openFDs(t)
	const each = 200
	var wg sync.WaitGroup
	var calls atomic.Int64
	for name, addr := range addrs {
		ap := netip.MustParseAddrPort(addr)
		for i := range each {
			wg.Add(1)
			var once atomic.Int32
			d := p.connect(ap, time.Now().Add(grace.Scale(2*time.Second)), func(time.Duration, error) {
				calls.Add(1)
				if once.Add(1) != 1 {
					t.Errorf("%s: a second outcome", name)
				}
				wg.Done()
			})
			if i%2 == 0 { // half are aborted at once, racing their outcome
				p.abort(d, context.Canceled)
			} else if name == "silent" {
				go p.abort(d, os.ErrDeadlineExceeded)
			}
		}
	}
	wg.Wait()
	assert.Equal(t, int64(3*each), calls.Load())
	deadline := time.Now().Add(grace.Period())
	for openFDs(t) > fds && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, openFDs(t), fds, "every socket closed (an earlier test's may close meanwhile)")
}

// TestPollerSurvivesAPanic: a caller's function that panics does not stop
// the loop every other connect waits on.
func TestPollerSurvivesAPanic(t *testing.T) {
	p, err := sharedPoller()
	require.NoError(t, err)
	silent := netip.MustParseAddrPort(testenv.Silent(t))
	p.connect(silent, time.Now().Add(50*time.Millisecond), func(time.Duration, error) { panic("caller bug") })
	got := make(chan error, 1)
	p.connect(silent, time.Now().Add(100*time.Millisecond), func(_ time.Duration, err error) { got <- err })
	select {
	case err := <-got:
		assert.True(t, probes.TimedOut(err), "%v", err)
		assert.Contains(t, err.Error(), "i/o timeout")
	case <-time.After(grace.Period()):
		t.Fatal("the loop stopped after a caller's panic")
	}
}

// TestTCPStartCancelled: a run cancelled in the pause between two attempts
// or during one ends at once, calls finish exactly once, and does not count
// the cut-short attempts as lost.
func TestTCPStartCancelled(t *testing.T) {
	silent, open := testenv.Silent(t), testenv.Open(t)
	tests := []struct {
		name, addr string
		after      time.Duration // cancel this long after the start
	}{
		{"during an attempt", silent, 100 * time.Millisecond},
		{"in the pause", open, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewTCP(probes.Spec{Kind: "tcp", Address: tt.addr, Count: 3, Interval: probes.Duration(10 * time.Second)})
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var calls atomic.Int32
			got := make(chan []probes.Result, 2)
			require.True(t, p.(*TCP).Start(ctx, func(rs []probes.Result) { calls.Add(1); got <- rs }))
			time.Sleep(tt.after)
			cancel()
			var rs []probes.Result
			select {
			case rs = <-got:
			case <-time.After(grace.Period()):
				t.Fatal("no result after the cancel")
			}
			require.Len(t, rs, 1)
			if tt.addr == open { // one attempt made, then cancelled in the 10 s pause
				assert.Equal(t, probes.OK, rs[0].Status, rs[0].Summary)
				assert.Equal(t, 1, rs[0].Evidence["attempts"])
			} else { // the one attempt in flight is not counted
				assert.Equal(t, probes.Unknown, rs[0].Status, rs[0].Summary)
			}
			time.Sleep(50 * time.Millisecond)
			assert.Equal(t, int32(1), calls.Load(), "finish called once")
		})
	}
}

// TestConnectTCPByName: a host name still dials through net.Dialer.
func TestConnectTCPByName(t *testing.T) {
	_, port, err := net.SplitHostPort(testenv.Open(t))
	require.NoError(t, err)
	var d net.Dialer
	_, err = connectTCP(context.Background(), &d, net.JoinHostPort("localhost", port))
	assert.NoError(t, err)
}
