//go:build linux

package host

import (
	"context"
	"encoding/binary"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// closeWaitPile leaves n client sockets in CLOSE_WAIT: the server side
// closes, the client never does (what a leaking connection pool looks like).
func closeWaitPile(t *testing.T, n int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	for range n {
		c, err := net.Dial("tcp", l.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		s, err := l.Accept()
		require.NoError(t, err)
		require.NoError(t, s.Close())
	}
	time.Sleep(50 * time.Millisecond) // let the FINs arrive
}

func TestCountTCPStatesMatchesProc(t *testing.T) {
	// In a network namespace of the test's own the socket tables hold only
	// what the test made, so both sources must agree exactly.
	if !testenv.InNetNS(t) {
		return
	}
	closeWaitPile(t, 5)
	diag, err := countTCPStates(context.Background(), allStates)
	require.NoError(t, err)
	proc := map[string]float64{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh := openAbs(t, f)
		require.NoError(t, parseProcNetTCP(fh, proc))
	}
	assert.Equal(t, 5.0, diag["close_wait"], "the test's pile: %v", diag)
	assert.Equal(t, 1.0, diag["listen"], "the pile's listener: %v", diag)
	assert.Equal(t, proc, diag, "sock_diag and /proc/net/tcp read the same table")
}

func TestHostSocketsSeeCloseWait(t *testing.T) {
	if !testenv.InNetNS(t) {
		return
	}
	closeWaitPile(t, 3)
	spec := probes.Spec{Thresholds: map[string]probes.Threshold{CheckSockets: {Warn: probes.V(2)}}}
	r := byCheck(runWithin(NewHost(spec), grace.Scale(3*time.Second)))[CheckSockets]
	assert.Equal(t, probes.Warn, r.Status, r.Summary)
	assert.Contains(t, r.Summary, "(warn > 2)")
	assert.Equal(t, SourceCounters, r.Evidence["source"])
	assert.Equal(t, uint64(3), r.Evidence["close_wait"], "only the test's own pile: %s", r.Summary)
}

// timeWaitPile leaves n sockets in TIME_WAIT: the client closes first.
func timeWaitPile(t *testing.T, n int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	for range n {
		c, err := net.Dial("tcp", l.Addr().String())
		require.NoError(t, err)
		s, err := l.Accept()
		require.NoError(t, err)
		require.NoError(t, c.Close())
		buf := make([]byte, 1)
		_, _ = s.Read(buf) // the FIN: the server side may close now
		require.NoError(t, s.Close())
	}
	time.Sleep(50 * time.Millisecond) // let the last ACKs arrive
}

// TestSocketsAskOnlyForGradedStates: the filtered dump returns CLOSE_WAIT
// sockets only, and TIME_WAIT comes from the kernel's counter, so a pile of
// TIME_WAIT sockets is counted without being listed.
//
// In a network namespace of the test's own, so the counts are exactly the
// test's piles.
func TestSocketsAskOnlyForGradedStates(t *testing.T) {
	if !testenv.InNetNS(t) {
		return
	}
	closeWaitPile(t, 4)
	timeWaitPile(t, 40)

	only, err := countTCPStates(context.Background(), stateCloseWait)
	require.NoError(t, err)
	assert.Equal(t, 4.0, only["close_wait"])
	for state := range only {
		assert.Equal(t, "close_wait", state, "the kernel was asked for CLOSE_WAIT only")
	}

	h := NewHost(probes.Spec{})
	socks, err := h.readSockets(context.Background())
	require.NoError(t, err)
	assert.Equal(t, SourceCounters, socks.Source)
	assert.False(t, socks.Complete, "only the graded states are known")
	assert.Equal(t, 4.0, socks.States["close_wait"])
	// The kernel's time-wait counter also holds the CLOSE_WAIT pile's closed
	// server ends, which wait in FIN_WAIT2 as time-wait sockets: 40 + 4.
	assert.Equal(t, 44.0, socks.States["time_wait"])
	assert.GreaterOrEqual(t, socks.EstablishedOrCloseWait, 4.0, "CurrEstab counts CLOSE_WAIT too")
}

// TestCloseWaitCountReused: an ok CLOSE_WAIT count is reused for
// closeWaitEvery, so a 1 s screen does not walk the kernel's socket hash
// every second; a stale count, or one at its warn bound, is counted again.
func TestCloseWaitCountReused(t *testing.T) {
	if !testenv.InNetNS(t) {
		return
	}
	closeWaitPile(t, 4)
	h := NewHost(probes.Spec{})
	first, err := h.readSockets(context.Background())
	require.NoError(t, err)
	require.Equal(t, 4.0, first.States["close_wait"])
	assert.Zero(t, first.CloseWaitAge, "counted this round")

	closeWaitPile(t, 3)
	again, err := h.readSockets(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 4.0, again.States["close_wait"], "an ok count is reused while fresh")
	assert.Positive(t, again.CloseWaitAge)
	r := evalSockets(&HostSample{Sockets: again}, probes.Spec{})
	assert.Contains(t, r.Evidence, "close_wait_age_s", "the evidence says the count is reused")

	h.cw.at = h.cw.at.Add(-closeWaitEvery)
	stale, err := h.readSockets(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 7.0, stale.States["close_wait"], "a stale count is counted again")
	assert.Zero(t, stale.CloseWaitAge)

	// At the warn bound every round counts: the operator watching a leak sees it move.
	warn := NewHost(probes.Spec{Thresholds: map[string]probes.Threshold{CheckSockets: probes.Above(5, 50)}})
	_, err = warn.readSockets(context.Background())
	require.NoError(t, err)
	closeWaitPile(t, 2)
	moved, err := warn.readSockets(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 9.0, moved.States["close_wait"], "a count past warn is not reused")
	assert.Zero(t, moved.CloseWaitAge)
}

func TestCountSockDiag(t *testing.T) {
	msg := func(typ uint16, data []byte) []byte {
		b := make([]byte, syscall.NLMSG_HDRLEN+len(data))
		binary.NativeEndian.PutUint32(b[0:4], uint32(len(b)))
		binary.NativeEndian.PutUint16(b[4:6], typ)
		copy(b[syscall.NLMSG_HDRLEN:], data)
		return b
	}
	diagMsg := func(state byte) []byte {
		d := make([]byte, 72)
		d[0], d[1] = syscall.AF_INET, state
		return msg(sockDiagByFamily, d)
	}
	errno := func(e int32) []byte {
		d := make([]byte, 20)
		binary.NativeEndian.PutUint32(d[:4], uint32(-e))
		return msg(syscall.NLMSG_ERROR, d)
	}
	tests := []struct {
		name    string
		in      []byte
		done    bool
		want    map[string]float64
		wantErr string
	}{
		{name: "records", in: append(append(diagMsg(8), diagMsg(8)...), diagMsg(1)...), want: map[string]float64{"close_wait": 2, "established": 1}},
		{name: "done", in: append(diagMsg(6), msg(syscall.NLMSG_DONE, make([]byte, 4))...), done: true, want: map[string]float64{"time_wait": 1}},
		{name: "kernel error", in: errno(int32(syscall.EPERM)), wantErr: "operation not permitted"},
		{name: "truncated", in: func() []byte { b := diagMsg(1); return b[:40] }(), wantErr: "parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]float64{}
			done, err := countSockDiag(tt.in, got)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.done, done)
			assert.Equal(t, tt.want, got)
		})
	}
}
