package network

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/fivelayer/triage/probes"
)

// BenchmarkRound1000TCP is one scheduler round of 1,000 tcp probes on
// loopback (roundTargets), with a 2 s timeout. The target is under 2.5 s a
// round with no goroutine left; TestRound1000TCP holds CI to it.
func BenchmarkRound1000TCP(b *testing.B) {
	targets := roundTargets(b, 1000, 2*time.Second)
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
	s.Close()
	n := waitGoroutines(before, 3*time.Second)
	b.ReportMetric(float64(n-before), "goroutines-left")
	if n > before {
		b.Fatalf("goroutines left behind: before %d, after %d", before, n)
	}
}
