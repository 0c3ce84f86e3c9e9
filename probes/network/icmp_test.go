package network

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func runICMP(t *testing.T, spec probes.Spec, mode pingMode, timeout time.Duration) (probes.Result, time.Duration) {
	t.Helper()
	p, err := NewICMP(spec)
	require.NoError(t, err)
	p.mode = mode
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	rs := p.Run(ctx)
	require.Len(t, rs, 1)
	return rs[0], time.Since(start)
}

// unprivilegedAllowed reports whether net.ipv4.ping_group_range includes our group.
func unprivilegedAllowed(t *testing.T) bool {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ping_group_range")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	require.Len(t, f, 2)
	lo, _ := strconv.Atoi(f[0])
	hi, _ := strconv.Atoi(f[1])
	g := os.Getegid()
	return lo <= g && g <= hi
}

func TestICMPRawLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("raw ICMP sockets need root")
	}
	// A deadline far beyond the 100 ms five pings need: a pinger that waited
	// for it instead of stopping at the last reply would take most of it.
	const timeout = 20 * time.Second
	r, took := runICMP(t, probes.Spec{Address: "127.0.0.1", Count: 5, Interval: probes.Duration(20 * time.Millisecond)}, pingAuto, timeout)
	assert.Equal(t, probes.OK, r.Status, r.Summary)
	require.NotNil(t, r.Value)
	assert.Equal(t, 0.0, *r.Value)
	assert.Equal(t, "raw", r.Evidence["socket"])
	assert.Equal(t, 5, r.Evidence["received"])
	assert.Contains(t, r.Summary, "loss 0.0% of 5")
	assert.Less(t, took, timeout/2, "all replies in: the pinger stops at once, not at its deadline")
	for _, k := range []string{"rtt_min_ms", "rtt_avg_ms", "rtt_max_ms", "rtt_stddev_ms", "loss_pct", "ip"} {
		assert.Contains(t, r.Evidence, k)
	}
}

func TestICMPUnprivileged(t *testing.T) {
	r, _ := runICMP(t, probes.Spec{Address: "127.0.0.1", Count: 3, Interval: probes.Duration(20 * time.Millisecond)}, pingUnprivileged, 3*time.Second)
	if unprivilegedAllowed(t) {
		assert.Equal(t, probes.OK, r.Status, r.Summary)
		assert.Equal(t, "unprivileged", r.Evidence["socket"])
		return
	}
	assert.Equal(t, probes.Unknown, r.Status)
	assert.Contains(t, r.Summary, "needs privilege")
	assert.Contains(t, r.Summary, `sysctl -w net.ipv4.ping_group_range="0 2147483647"`)
	assert.Contains(t, r.Summary, "setcap cap_net_raw+ep $(which triage)")
	assert.Equal(t, PrivilegeRemedy, r.Evidence["remedy"])
	assert.NotEmpty(t, r.Err)
}

func TestICMPBudgetLeavesInFlightOut(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("raw ICMP sockets need root")
	}
	// 50 packets at 50ms need 2.5s; the probe has 500ms, so it must stop
	// early, count only what it decided, and still return before the deadline.
	const timeout = 500 * time.Millisecond
	r, took := runICMP(t, probes.Spec{Address: "127.0.0.1", Count: 50, Interval: probes.Duration(50 * time.Millisecond)}, pingAuto, timeout)
	grace.Within(t, took, timeout, "a ping budget longer than the deadline")
	assert.Equal(t, probes.OK, r.Status, r.Summary)
	assert.Less(t, r.Evidence["sent"].(int), 50)
	assert.Equal(t, 0, r.Evidence["lost"])
}

func TestICMPGrade(t *testing.T) {
	tests := []struct {
		name    string
		st      pingStats
		status  probes.Status
		value   float64
		summary string
	}{
		{"clean", pingStats{sent: 5, received: 5}, probes.OK, 0, "loss 0.0% of 5"},
		{"one of fifty", pingStats{sent: 50, received: 49, lost: 1}, probes.Warn, 2, "> 0% warn"},
		{"seed crit", pingStats{sent: 200, received: 174, lost: 26}, probes.Crit, 13, "loss 13.0% (26 of 200) > 5% crit"},
		{"all lost", pingStats{sent: 5, lost: 5}, probes.Crit, 100, "no reply: 5 of 5 lost"},
		{"in flight excluded", pingStats{sent: 10, received: 8, inFlight: 2}, probes.OK, 0, "loss 0.0% of 8"},
		{"nothing decided", pingStats{sent: 2, inFlight: 2}, probes.Crit, -1, "no packet finished"},
	}
	p, err := NewICMP(probes.Spec{Address: "127.0.0.1"})
	require.NoError(t, err)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r probes.Result
			p.grade(&r, tc.st)
			assert.Equal(t, tc.status, r.Status)
			assert.Contains(t, r.Summary, tc.summary)
			if tc.value < 0 {
				assert.Nil(t, r.Value)
				return
			}
			require.NotNil(t, r.Value)
			assert.InDelta(t, tc.value, *r.Value, 0.01)
		})
	}
}

func TestICMPThresholdOverride(t *testing.T) {
	p, err := NewICMP(probes.Spec{Address: "h:80", Thresholds: map[string]probes.Threshold{"ping": {Crit: probes.V(50)}}})
	require.NoError(t, err)
	assert.Equal(t, "h", p.host)
	assert.Equal(t, defaultPingCount, p.count)
	assert.Equal(t, defaultPingInterval, p.interval)
	var r probes.Result
	p.grade(&r, pingStats{sent: 10, received: 8, lost: 2})
	assert.Equal(t, probes.Warn, r.Status, r.Summary)
}
