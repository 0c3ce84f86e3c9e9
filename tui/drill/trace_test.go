package drill

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/network"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

func TestTraceTarget(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	ctx.Config.Components = append(ctx.Config.Components,
		config.Component{Name: "bare-address", Probes: []probes.Spec{{Kind: "tcp", Address: "db.internal"}}},
		config.Component{Name: "url-first", Probes: []probes.Spec{{Kind: "host"}, {Kind: "metrics", URL: "http://10.1.2.3:8080/m"}, {Kind: "tcp", Address: "10.9.9.9:1"}}},
	)
	tests := []struct {
		component, host, why string
	}{
		{"invoice-api", "10.0.0.1", ""},
		{"edge-dns", "api.example.com", ""},
		{"cache", "10.0.0.5", ""},
		{"app-host-1", "fd00::1", ""},
		{"bare-address", "db.internal", ""},
		{"url-first", "10.1.2.3", ""},
		{"db-primary", "", "db-primary has no probe with an address, a URL or a DNS name: nothing to trace"},
		{"fleet-7", "", "fleet-7 is not in the config: no probe names a host to trace"},
	}
	for _, tt := range tests {
		t.Run(tt.component, func(t *testing.T) {
			host, why := TraceTarget(ctx, tt.component)
			assert.Equal(t, tt.host, host)
			assert.Equal(t, tt.why, why)
		})
	}
}

func TestTracePanel(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	ms := time.Millisecond
	loop := network.TraceResult{Target: "api.example.com", Address: "10.0.0.1", Tool: "traceroute", Hops: []network.Hop{
		{TTL: 1, Address: "192.168.1.1", RTT: 400 * time.Microsecond}, {TTL: 2, Address: ""},
		{TTL: 3, Address: "10.9.0.1", RTT: 3 * ms}, {TTL: 4, Address: "10.9.0.2", RTT: 4 * ms, Note: "!H\x1b[2J"},
		{TTL: 5, Address: "10.9.0.1", RTT: 5 * ms}, {TTL: 6, Address: "10.9.0.2", RTT: 6 * ms},
	}}
	loop.Loop, loop.LoopHops = true, network.DetectLoop(loop.Hops)
	tests := []struct {
		name    string
		host    string
		why     string
		running bool
		res     network.TraceResult
		err     error
		want    []string
	}{
		{"no host", "", "db-primary has no probe with an address", false, network.TraceResult{}, nil,
			[]string{"path trace: db-primary", "? unavailable: db-primary has no probe with an address", "esc closes"}},
		{"running", "10.0.0.1", "", true, network.TraceResult{}, nil, []string{"path trace: db-primary → 10.0.0.1", "… tracing… at most 30 hops"}},
		{"no tool", "10.0.0.1", "", false, network.TraceResult{Unavailable: "neither traceroute nor tracepath is installed"}, nil,
			[]string{"? unavailable: neither traceroute nor tracepath is installed"}},
		{"error", "10.0.0.1", "", false, network.TraceResult{}, errors.New("traceroute 10.0.0.1: exit status 1: bad\x1b]0;x\x07"), []string{"? unavailable: traceroute 10.0.0.1: exit status 1: bad"}},
		{"reached", "10.0.0.1", "", false, network.TraceResult{Target: "10.0.0.1", Tool: "tracepath", Reached: true,
			Hops: []network.Hop{{TTL: 1, Address: "10.0.0.1", RTT: 1500 * time.Microsecond}}}, nil,
			[]string{"path trace: db-primary → 10.0.0.1 · tracepath", "✔ reached in 1 hop", " ttl  address   rtt     note", "   1  10.0.0.1  1.5 ms"}},
		{"loop", "api.example.com", "", false, loop, nil, []string{
			"path trace: db-primary → api.example.com (10.0.0.1) · traceroute",
			"✖ not reached after 6 hops",
			"⟲ routing loop: hops 3–4 repeat (10.9.0.1 → 10.9.0.2)",
			"   2  *                    no reply",
			"   4  10.9.0.2     4 ms    ⟲ loop !H",
			"   5  10.9.0.1     5 ms    ⟲ loop",
		}},
		{"incomplete", "10.0.0.1", "", false, network.TraceResult{Incomplete: "deadline reached after 0 hops"}, nil,
			[]string{"▲ incomplete: deadline reached after 0 hops", "no hops answered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewTrace("db-primary", 3, tt.host, tt.why, "at most 30 hops within 30s")
			assert.Equal(t, "db-primary", m.Component())
			if !tt.running && tt.why == "" {
				assert.False(t, m.Set(2, network.TraceResult{Tool: "stale"}, nil), "an older request is dropped")
				assert.True(t, m.Set(3, tt.res, tt.err))
			}
			lines := m.View(ctx, 80, 20)
			out := strings.Join(lines, "\n")
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			assert.NotContains(t, out, "\x1b")
			assert.NotContains(t, out, "stale")
			for _, l := range lines {
				assert.Equal(t, 80, lipgloss.Width(l))
			}
		})
	}
}

func TestTraceScroll(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	var hops []network.Hop
	for i := 1; i <= 30; i++ {
		hops = append(hops, network.Hop{TTL: i})
	}
	m := NewTrace("invoice-api", 1, "10.0.0.1", "", "")
	m.Set(1, network.TraceResult{Hops: hops}, nil)
	m.Scroll(ctx, 100, 80, 10)
	v := m.View(ctx, 80, 10)
	assert.Contains(t, v[len(v)-1], "esc closes", "scrolled to the end")
	assert.Contains(t, strings.Join(v, "\n"), "  30  *")
	m.Scroll(ctx, -100, 80, 10)
	assert.Contains(t, m.View(ctx, 80, 10)[0], "path trace")
}
