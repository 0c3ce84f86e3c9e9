package kinds

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
)

// estateOf writes a config of n components, each a tcp and an http probe on
// its own loopback address, a few depending on others and a tenth core:
// the shape of a large estate.
func estateOf(n int) []byte {
	var b strings.Builder
	b.WriteString("estate: big\ninterval: 5s\ntimeout: 2s\nmax_per_address: 4\ncore: [")
	for i := 0; i < n; i += 10 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "svc-%05d", i)
	}
	b.WriteString("]\nthresholds:\n  tcp.connect: {warn: 100, crit: 500}\ncomponents:\n")
	for i := range n {
		ip := fmt.Sprintf("127.%d.%d.%d", 20+i/62500, i/250%250, 1+i%250)
		fmt.Fprintf(&b, "  - name: svc-%05d\n    probes:\n      - {kind: tcp, address: \"%s:8080\"}\n      - {kind: http, url: \"http://%s:8080/health\", expect_status: [200]}\n", i, ip, ip)
		if i > 0 && i%5 == 0 {
			fmt.Fprintf(&b, "    knowledge: {depends_on: [svc-%05d]}\n", i-1)
		}
	}
	return []byte(b.String())
}

// BenchmarkParse10000 loads and validates a config of 10,000 components
// (20,000 probes) against the real registry; the target is under 200 ms.
func BenchmarkParse10000(b *testing.B) {
	data := estateOf(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		cfg, err := config.Parse(data, "big.yaml", Registry)
		require.NoError(b, err)
		require.Len(b, cfg.Components, 10000)
	}
	// CPU time says what wall time cannot on a machine others are using.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTargets10000 builds the probes of the same config.
func BenchmarkTargets10000(b *testing.B) {
	cfg, err := config.Parse(estateOf(10000), "big.yaml", Registry)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		ts, errs := Targets(cfg)
		require.Empty(b, errs)
		require.Len(b, ts, 20000)
	}
}
