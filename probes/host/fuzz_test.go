package host

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// FuzzNodeExposition feeds arbitrary bytes to the node exporter scrape's
// parser and, when it parses, turns two scrapes of it into a host sample and
// grades it. A node exporter's body, or anything answering on its port, must
// give results or an error, never a panic: missing or odd series (NaN,
// negative counters, mounts without sizes) are the evaluation's business.
func FuzzNodeExposition(f *testing.F) {
	f.Add([]byte("node_load1 0.5\nnode_memory_MemTotal_bytes 1e9\nnode_memory_MemAvailable_bytes 5e8\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseExposition(bytes.NewReader(data))
		if err != nil {
			require.Nil(t, m)
			return
		}
		prev := sampleFromMetrics(m, t0)
		cur := sampleFromMetrics(m, t0.Add(15e9))
		require.NotNil(t, cur)
		rs := Evaluate(prev, cur, probes.Spec{})
		require.Len(t, rs, len(HostChecks))
		for _, r := range rs {
			require.NotEmpty(t, r.Summary, r.Check)
		}
	})
}
