package incident

import (
	"fmt"
	"testing"

	"github.com/fivelayer/triage/probes"
)

// BenchmarkAssess grades and diagnoses an estate of 500 components (a chain
// of 5 tiers, 100 wide) with 10 checks each, a tenth of them failing: the
// work the screen does on every snapshot.
func BenchmarkAssess(b *testing.B) {
	var nodes []Node
	var results []probes.Result
	for tier := range 5 {
		for i := range 100 {
			name := fmt.Sprintf("t%d-%d", tier, i)
			n := Node{Name: name, Core: tier == 0, Actions: map[Action]bool{Restart: true}}
			if tier < 4 {
				n.DependsOn = []string{fmt.Sprintf("t%d-%d", tier+1, i), fmt.Sprintf("t%d-%d", tier+1, (i+1)%100)}
			}
			nodes = append(nodes, n)
			for c := range 10 {
				st := probes.OK
				if (i+c+tier)%10 == 0 {
					st = probes.Crit
				}
				kind, check, imp := "tcp", "connect", probes.UserFacing
				if c > 0 {
					kind, check, imp = "node_exporter", fmt.Sprintf("c%d", c), probes.Internal
				}
				results = append(results, probes.Result{ID: fmt.Sprintf("%s/%s/%s", name, kind, check), Component: name, Kind: kind,
					Probe: kind, Check: check, Layer: probes.Layer(c % 5), Status: st, Impact: imp, Summary: "x",
					Evidence: map[string]any{"address": "127.0.0.1:1", "error": "connect: connection refused", "attempts": 3,
						"latency_ms": 0.12, "samples": []float64{1, 2, 3}}})
			}
		}
	}
	topo := NewTopology(nodes)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		a := Assess(results, topo)
		if len(a.Diagnosis.RootCauses) == 0 {
			b.Fatal("no cause")
		}
	}
}
