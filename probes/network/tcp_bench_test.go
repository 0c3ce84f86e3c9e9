package network

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

// BenchmarkRound1000TCP is one scheduler round of 1,000 tcp probes on
// loopback, a third each open, refused and silent (accept queue full), with a
// 2 s timeout. The target is under 2.5 s a round with no goroutine left.
func BenchmarkRound1000TCP(b *testing.B) {
	open, refused, silent := testenv.Open(b), testenv.Refused(b), testenv.Silent(b)

	addrs := []string{open, refused, silent}
	var targets []probes.Target
	for i := range 1000 {
		p, err := NewTCP(probes.Spec{Kind: "tcp", Address: addrs[i%3], Count: 1})
		require.NoError(b, err)
		targets = append(targets, probes.Target{Component: "c" + string(rune('a'+i%26)), ProbeID: "tcp-" + strconv.Itoa(i), Kind: "tcp", Probe: p, Timeout: 2 * time.Second})
	}
	before := runtime.NumGoroutine()
	s := probes.NewScheduler(targets, probes.Options{})
	b.ResetTimer()
	var worst time.Duration
	for range b.N {
		start := time.Now()
		snap := s.Round(context.Background())
		worst = max(worst, time.Since(start))
		crit := 0
		for _, c := range snap.Checks {
			if c.Status == probes.Crit {
				crit++
			}
		}
		if crit < 600 {
			b.Fatalf("want ≥ 600 crit (refused + silent), got %d", crit)
		}
	}
	b.StopTimer()
	b.ReportMetric(worst.Seconds(), "worst-s/round")
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	b.ReportMetric(float64(runtime.NumGoroutine()-before), "goroutines-left")
	if n := runtime.NumGoroutine(); n > before {
		b.Fatalf("goroutines left behind: before %d, after %d", before, n)
	}
}
