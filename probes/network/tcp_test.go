package network

import (
	"context"
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab"
)

func runTCP(t *testing.T, spec probes.Spec, timeout time.Duration) ([]probes.Result, time.Duration) {
	t.Helper()
	p, err := NewTCP(spec)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	rs := p.Run(ctx)
	return rs, time.Since(start)
}

func TestTCPConnectRealPorts(t *testing.T) {
	open, refused, silent := testenv.Open(t), testenv.Refused(t), testenv.Silent(t)

	tests := []struct {
		name    string
		addr    string
		status  probes.Status
		summary string
	}{
		{"open", open, probes.OK, "0% loss"},
		{"refused", refused, probes.Crit, "connection refused (3/3)"},
		{"silent", silent, probes.Crit, "timed out"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const timeout = time.Second
			rs, took := runTCP(t, probes.Spec{Kind: "tcp", Address: tc.addr}, timeout)
			require.Len(t, rs, 1)
			assert.Equal(t, tc.status, rs[0].Status, rs[0].Summary)
			assert.Contains(t, rs[0].Summary, tc.summary)
			grace.Within(t, took, timeout, "a probe finishes at its deadline")
			if tc.status == probes.OK {
				require.NotNil(t, rs[0].Value)
				assert.Equal(t, "ms", rs[0].Unit)
			} else {
				assert.NotEmpty(t, rs[0].Err)
			}
		})
	}
}

func TestGradeConnect(t *testing.T) {
	tmo := &net.OpError{Op: "dial", Err: timeoutErr{}}
	ref := &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}
	ok := attempt{Latency: 2 * time.Millisecond}
	slow := attempt{Latency: 1500 * time.Millisecond}
	tests := []struct {
		name   string
		atts   []attempt
		status probes.Status
		loss   float64
	}{
		{"all ok", []attempt{ok, ok, ok}, probes.OK, 0},
		{"one of three lost is above 5%", []attempt{ok, {Err: tmo}, ok}, probes.Crit, 100.0 / 3},
		{"one of forty lost is below 5%", append(repeat(ok, 39), attempt{Err: tmo}), probes.OK, 2.5},
		{"all refused", []attempt{{Err: ref}, {Err: ref}}, probes.Crit, 100},
		{"slow is crit by latency", []attempt{slow}, probes.Crit, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := gradeConnect("x:1", DefaultTCPConnect, tc.atts, time.Second)
			assert.Equal(t, tc.status, r.Status, r.Summary)
			assert.InDelta(t, tc.loss, r.Evidence["loss_percent"], 0.01)
		})
	}
	t.Run("override threshold", func(t *testing.T) {
		spec := probes.Spec{Address: "x:1", Thresholds: map[string]probes.Threshold{"connect": {Crit: probes.V(2000)}}}
		r := gradeConnect(spec.Address, spec.Threshold("connect", DefaultTCPConnect), []attempt{slow}, time.Second)
		assert.Equal(t, probes.Warn, r.Status, r.Summary)
	})
	t.Run("no attempts is unknown, never ok", func(t *testing.T) {
		r := gradeConnect("", DefaultTCPConnect, nil, time.Second)
		assert.Equal(t, probes.Unknown, r.Status)
	})
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func repeat(a attempt, n int) []attempt {
	out := make([]attempt, n)
	for i := range out {
		out[i] = a
	}
	return out
}

func TestTCPPorts(t *testing.T) {
	open, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer open.Close()
	openPort := open.Addr().(*net.TCPAddr).Port
	refused, err := lab.RefusedAddr()
	require.NoError(t, err)
	_, rp, _ := net.SplitHostPort(refused)
	refusedPort, _ := strconv.Atoi(rp)

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	defer func() { _ = srv.Shutdown() }()
	udpPort := pc.LocalAddr().(*net.UDPAddr).Port
	silentUDP, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer silentUDP.Close()
	silentPort := silentUDP.LocalAddr().(*net.UDPAddr).Port

	t.Run("as expected", func(t *testing.T) {
		rs, _ := runTCP(t, probes.Spec{Address: open.Addr().String(), Open: []int{openPort}, Closed: []int{refusedPort}, UDP: []int{udpPort}}, 2*time.Second)
		require.Len(t, rs, 2)
		assert.Equal(t, probes.OK, rs[1].Status, rs[1].Summary)
		assert.Equal(t, "3 ports as expected", rs[1].Summary)
	})
	t.Run("violations", func(t *testing.T) {
		const timeout = 1500 * time.Millisecond
		rs, took := runTCP(t, probes.Spec{Address: open.Addr().String(), Open: []int{refusedPort}, Closed: []int{openPort}, UDP: []int{silentPort}}, timeout)
		require.Len(t, rs, 2)
		assert.Equal(t, probes.Crit, rs[1].Status)
		assert.Contains(t, rs[1].Summary, strconv.Itoa(refusedPort)+"/tcp closed (want open)")
		assert.Contains(t, rs[1].Summary, strconv.Itoa(openPort)+"/tcp open (want closed)")
		assert.Contains(t, rs[1].Summary, strconv.Itoa(silentPort)+"/udp silent (want answers)")
		grace.Within(t, took, timeout, "a silent UDP port waits no longer than the deadline")
	})
}

func TestNewTCPRejectsBadAddress(t *testing.T) {
	_, err := NewTCP(probes.Spec{Address: "nohostport"})
	require.Error(t, err)
	_, err = NewTCP(probes.Spec{Address: "127.0.0.1:1", Open: []int{70000}})
	require.Error(t, err)
	assert.False(t, errors.Is(err, context.Canceled))
}
