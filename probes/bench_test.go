package probes

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkSteadyState10000 runs rounds of 10,000 quick probes until every
// check's history is full (120 samples, the default), then reports the live
// heap per check after a collection: what a long-running triage holds per
// check (its state, latest result and history), and the allocations of one
// round.
func BenchmarkSteadyState10000(b *testing.B) {
	const n = 10000
	v := 1.0
	p := &fake{checks: []Check{reach}, run: func(context.Context) []Result {
		return []Result{{Check: "connect", Status: OK, Summary: "127.0.0.1:80 connect 0.1 ms avg, 0% loss", Value: &v, Unit: "ms"}}
	}}
	var targets []Target
	for i := range n {
		targets = append(targets, Target{Component: fmt.Sprintf("c%05d", i), ProbeID: "tcp", Kind: "tcp", Probe: p,
			Timeout: time.Second, Address: fmt.Sprintf("127.20.%d.%d:80", i/250, 1+i%250)})
	}
	var ms0 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	s := NewScheduler(targets, Options{})
	for range 121 {
		s.Round(context.Background())
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	live := float64(ms.HeapAlloc-ms0.HeapAlloc) / n
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.Round(context.Background())
	}
	b.StopTimer()
	runtime.KeepAlive(s)
	b.ReportMetric(live, "live-B/check")
}
