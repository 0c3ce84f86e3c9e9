package export

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// tenThousand is what one round of the 10,000-target estate of
// cmd/estate10k gives: a tcp connect check per component, a third ok, a
// third refused and a third timed out.
func tenThousand() ([]probes.Result, *incident.Topology) {
	results := make([]probes.Result, 0, 10000)
	nodes := make([]incident.Node, 0, 10000)
	for i := range 10000 {
		name := fmt.Sprintf("t%05d", i)
		nodes = append(nodes, incident.Node{Name: name})
		r := probes.Result{ID: name + "/tcp/connect", Component: name, Kind: "tcp", Probe: "tcp", Check: "connect",
			Layer: probes.Network, Impact: probes.UserFacing, Unit: "ms", Status: probes.OK,
			Summary:  fmt.Sprintf("127.20.0.%d:%d connect 0.1 ms avg, 0%% loss", i%250, 30000+i),
			Evidence: map[string]any{"address": "127.20.0.1:30000", "attempts": 1, "succeeded": 1, "refused": 0, "timed_out": 0, "loss_percent": 0.0, "attempt_timeout_ms": 1980}}
		switch i % 3 {
		case 1:
			r.Status, r.Summary, r.Err = probes.Crit, "127.21.0.1:10001 connection refused (1/1)", "dial tcp 127.21.0.1:10001: connect: connection refused"
		case 2:
			r.Status, r.Summary, r.Err = probes.Crit, "127.20.0.3:30002 timed out (1/1 attempts, 1.98s each)", "dial tcp 127.20.0.3:30002: i/o timeout"
		}
		results = append(results, r)
	}
	return results, incident.NewTopology(nodes)
}

// BenchmarkBuild10000 is what `triage check` does after the round of a
// 10,000-target estate: grade and diagnose the results into a report, and
// write it as text and as JSON.
func BenchmarkBuild10000(b *testing.B) {
	results, topo := tenThousand()
	now := time.Now()
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			Build("estate10k", now, results, topo)
		}
	})
	r := Build("estate10k", now, results, topo)
	b.Run("text", func(b *testing.B) {
		for b.Loop() {
			if err := Text(io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			if err := JSON(io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
