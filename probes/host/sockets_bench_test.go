//go:build linux

package host

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// timeWaitOn leaves n sockets in TIME_WAIT between two loopback addresses
// of the benchmark's own (127.77.0.1 → 127.77.0.2), so that no one else's
// connections compete for their ports.
func timeWaitOn(b *testing.B, n int) {
	b.Helper()
	l, err := net.Listen("tcp", "127.77.0.2:0")
	require.NoError(b, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 1)
				_, _ = c.Read(buf) // wait for the client's FIN, then close
				_ = c.Close()
			}()
		}
	}()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 77, 0, 1)}}
	for range n {
		c, err := d.Dial("tcp", l.Addr().String())
		require.NoError(b, err)
		require.NoError(b, c.Close()) // the client closes first: its side waits
	}
}

// BenchmarkSockets is the sockets check's read on a host with a pile of
// TIME_WAIT sockets (TRIAGE_BENCH_TIME_WAIT, default 20,000, as on a busy
// web host): every state dumped through sock_diag, as before, against
// CLOSE_WAIT alone plus the kernel's counters, whose cost must not grow
// with the pile.
func BenchmarkSockets(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("TRIAGE_BENCH_TIME_WAIT")); err == nil {
		n = v
	}
	timeWaitOn(b, n)
	h := NewHost(probes.Spec{})
	ctx := context.Background()
	b.Run("all-states", func(b *testing.B) {
		for b.Loop() {
			counts, err := countTCPStates(ctx, allStates)
			require.NoError(b, err)
			b.ReportMetric(counts["time_wait"], "time_wait")
		}
	})
	b.Run("graded-states", func(b *testing.B) {
		for b.Loop() {
			h.cw = closeWaitCount{} // counted, not reused
			s, err := h.readSockets(ctx)
			require.NoError(b, err)
			require.Equal(b, SourceCounters, s.Source)
			b.ReportMetric(s.States["time_wait"], "time_wait")
		}
	})
	// What most rounds cost: an ok CLOSE_WAIT count younger than
	// closeWaitEvery is reused, so only the counters are read.
	b.Run("count-reused", func(b *testing.B) {
		for b.Loop() {
			s, err := h.readSockets(ctx)
			require.NoError(b, err)
			b.ReportMetric(s.States["time_wait"], "time_wait")
		}
	})
}
