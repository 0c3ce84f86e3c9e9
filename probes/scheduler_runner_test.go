package probes

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// settle waits, at most the loaded machine's grace, for the goroutine count
// to fall back to before, and returns it.
func settle(before int) int {
	end := time.Now().Add(grace.Period())
	n := runtime.NumGoroutine()
	for n > before && time.Now().Before(end) {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// TestQuickRoundLeavesNoRunner: every probe of a round of quick ones runs
// once, and every runner is gone once the round is over. (How many runners
// a round reuses depends on the machine's timing: the 10,000-target
// benchmark reports its peak goroutines.)
func TestQuickRoundLeavesNoRunner(t *testing.T) {
	const n = 300
	before := runtime.NumGoroutine()
	quick := &fake{checks: []Check{reach}, run: func(context.Context) []Result {
		return []Result{{Check: "connect", Status: OK, Summary: "fine"}}
	}}
	var targets []Target
	for i := range n {
		targets = append(targets, Target{Component: fmt.Sprint("c", i), ProbeID: "tcp", Probe: quick, Timeout: time.Second})
	}
	snap := NewScheduler(targets, Options{}).Round(context.Background())
	require.Len(t, snap.Checks, n)
	for _, c := range snap.Checks {
		require.Equal(t, OK, c.Status, c.ID)
	}
	assert.Equal(t, int32(n), quick.calls.Load())
	assert.LessOrEqual(t, settle(before), before, "no runner outlives its round")
}

// TestRunnersOfSlowProbes: probes that wait run at once, each on its own
// runner (none waits for another's), and the round still ends one timeout
// after it began, leaving no goroutine behind, even when a probe ignores
// its deadline.
func TestRunnersOfSlowProbes(t *testing.T) {
	const n, timeout = 50, 300 * time.Millisecond
	before := runtime.NumGoroutine()
	var running, peak atomic.Int32
	wait := &fake{checks: []Check{reach}, run: func(ctx context.Context) []Result {
		r := running.Add(1)
		for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
		}
		<-ctx.Done()
		running.Add(-1)
		return nil
	}}
	release := make(chan struct{})
	var deafReturned atomic.Bool
	deaf := &fake{checks: []Check{reach}, run: func(context.Context) []Result { // ignores its deadline
		<-release
		deafReturned.Store(true)
		return []Result{{Check: "connect", Status: OK}}
	}}
	var targets []Target
	for i := range n {
		targets = append(targets, Target{Component: fmt.Sprint("c", i), ProbeID: "tcp", Probe: wait, Timeout: timeout})
	}
	targets = append(targets, Target{Component: "deaf", ProbeID: "tcp", Probe: deaf, Timeout: timeout})
	start := time.Now()
	snap := NewScheduler(targets, Options{}).Round(context.Background())
	grace.Within(t, time.Since(start), timeout+100*time.Millisecond, "the round ends one timeout and the grace after it began")
	assert.Equal(t, int32(n), peak.Load(), "every waiting probe ran at once")
	for _, c := range snap.Checks {
		assert.True(t, c.TimedOut, c.ID)
		assert.Equal(t, Crit, c.Status, c.ID)
	}
	assert.False(t, deafReturned.Load(), "the round ended while the deaf probe still ran")
	close(release)
	assert.LessOrEqual(t, settle(before), before, "its runner ends when it returns, its late result dropped")
}

// TestRaiseFDLimit: a soft limit below the hard one is raised to it, and
// the default pool is sized from what the limit leaves room for.
func TestRaiseFDLimit(t *testing.T) {
	var orig syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig))
	if orig.Max < 4096 || orig.Max == unix.RLIM_INFINITY {
		t.Skipf("hard limit %d: nothing to test a raise against", orig.Max)
	}
	low := orig
	low.Cur = 1024
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low))
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })

	assert.Equal(t, orig.Max, RaiseFDLimit(), "the soft limit is raised to the hard one")
	var now syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now))
	assert.Equal(t, orig.Max, now.Cur)
	assert.Equal(t, int(min((orig.Max-fdReserve)/fdsPerProbe, 1<<20)), DefaultWorkers(1<<30), "a big estate gets the whole pool")
	assert.Equal(t, 10, DefaultWorkers(10), "at most one worker per target")
}
