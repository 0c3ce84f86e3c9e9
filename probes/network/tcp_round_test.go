package network

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
)

// roundTargets is the 1,000-target round shared by the test and the
// benchmark: tcp probes on loopback, a third each open, refused and silent
// (accept queue full), one attempt each, every one with the given timeout.
// Each component is named after what its address is ("silent-42").
// Target.Address is left empty on purpose: the per-address cap
// (Options.MaxPerAddress) protects small servers, and three addresses shared
// by 1,000 probes would be throttled by design; this round measures the
// scheduler's own concurrency.
func roundTargets(tb testing.TB, n int, timeout time.Duration) []probes.Target {
	tb.Helper()
	open, refused, silent := testenv.Open(tb), testenv.Refused(tb), testenv.Silent(tb)
	what := map[string]string{open: "open", refused: "refused", silent: "silent"}
	addrs := []string{open, refused, silent}
	targets := make([]probes.Target, 0, n)
	for i := range n {
		addr := addrs[i%3]
		// The latency thresholds are the timeout: a thousand dials at once
		// on a busy machine are slow, and slowness is not what this
		// round is about; an open port must read ok, not "slow".
		ms := float64(timeout / time.Millisecond)
		p, err := NewTCP(probes.Spec{Kind: "tcp", Address: addr, Count: 1,
			Thresholds: map[string]probes.Threshold{"connect": probes.Above(ms, ms)}})
		require.NoError(tb, err)
		targets = append(targets, probes.Target{Component: what[addr] + "-" + strconv.Itoa(i), ProbeID: "tcp", Kind: "tcp", Probe: p, Timeout: timeout})
	}
	return targets
}

// waitGoroutines waits up to limit for the goroutine count to fall back to
// before and returns the count it saw last.
func waitGoroutines(before int, limit time.Duration) int {
	deadline := time.Now().Add(limit)
	n := runtime.NumGoroutine()
	for n > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// TestRound1000TCP is the scheduler's promise at scale, in CI and not only as
// a benchmark: one round of 1,000 tcp probes (open, refused, silent) ends
// within 1.25 times the probe timeout, every probe answers with its true
// status, and no goroutine is left behind. The headroom is a share of the
// deadline under test: starting a thousand probes and collecting the results
// of the third that all time out at the same instant costs a fixed amount of
// CPU, which on a two-core machine loaded ninefold under -race took up to 5 s
// of wall time (an 18 s round ending at 23 s). An 8 s timeout (24 s under
// -race) leaves 2 s (6 s) for it.
func TestRound1000TCP(t *testing.T) {
	timeout := grace.Scale(8 * time.Second)
	targets := roundTargets(t, 1000, timeout)
	before := runtime.NumGoroutine()
	s := probes.NewScheduler(targets, probes.Options{})

	start := time.Now()
	snap := s.Round(context.Background())
	took := time.Since(start)
	t.Logf("1,000 tcp probes in %s (timeout %s)", took.Round(time.Millisecond), timeout)
	assert.LessOrEqual(t, took, timeout*5/4, "one round ends within 1.25× the timeout")

	require.Len(t, snap.Checks, 1000)
	for _, c := range snap.Checks {
		kind, _, _ := strings.Cut(c.Component, "-")
		switch kind {
		case "open":
			assert.Equal(t, probes.OK, c.Status, "%s: %s", c.ID, c.Summary)
			assert.Contains(t, c.Summary, "0% loss", c.ID)
		case "refused":
			assert.Equal(t, probes.Crit, c.Status, "%s: %s", c.ID, c.Summary)
			assert.Contains(t, c.Summary, "refused", c.ID)
		case "silent":
			assert.Equal(t, probes.Crit, c.Status, "%s: %s", c.ID, c.Summary)
			assert.Contains(t, c.Summary, "timed out", c.ID)
		}
	}

	s.Close()
	n := waitGoroutines(before, grace.Period())
	assert.LessOrEqual(t, n, before, "goroutines left behind: before %d, after %d", before, n)
}
