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
func roundTargets(tb testing.TB, n int, timeout time.Duration) []probes.Target {
	tb.Helper()
	open, refused, silent := testenv.Open(tb), testenv.Refused(tb), testenv.Silent(tb)
	what := map[string]string{open: "open", refused: "refused", silent: "silent"}
	addrs := []string{open, refused, silent}
	targets := make([]probes.Target, 0, n)
	for i := range n {
		addr := addrs[i%3]
		p, err := NewTCP(probes.Spec{Kind: "tcp", Address: addr, Count: 1})
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
// status, and no goroutine is left behind. The timeout is scaled under -race,
// so the 25% headroom is a share of the deadline under test.
func TestRound1000TCP(t *testing.T) {
	timeout := grace.Scale(2 * time.Second)
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
			// Connected; a thousand dials at once may be slow enough to warn.
			assert.Contains(t, []probes.Status{probes.OK, probes.Warn}, c.Status, "%s: %s", c.ID, c.Summary)
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
