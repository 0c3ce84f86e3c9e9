package network

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "trace", name))
	require.NoError(t, err)
	return string(b)
}

func addrs(hops []Hop) []string {
	var out []string
	for _, h := range hops {
		out = append(out, h.Address)
	}
	return out
}

func TestParseTrace(t *testing.T) {
	tests := []struct {
		name   string
		parse  func(string) []Hop
		addrs  []string
		rtt3   time.Duration // RTT of the third hop
		notes  map[int]string
		target string
		loop   []string
	}{
		{"traceroute_ok.out", parseTraceroute,
			[]string{"192.168.1.1", "", "10.0.0.1", "72.14.1.1", "203.0.113.80"}, 9101 * time.Microsecond,
			map[int]string{4: "!H"}, "203.0.113.80", nil},
		{"traceroute_loop.out", parseTraceroute,
			[]string{"192.168.1.1", "10.20.0.1", "198.51.100.9", "198.51.100.17", "198.51.100.9", "198.51.100.17", "198.51.100.9", ""},
			8511 * time.Microsecond, nil, "203.0.113.80", []string{"198.51.100.9", "198.51.100.17"}},
		{"tracepath_ok.out", parseTracepath,
			[]string{"192.168.1.1", "10.20.0.1", "", "198.51.100.9", "203.0.113.80"}, 0,
			map[int]string{5: "reached"}, "", nil},
		{"tracepath_loop.out", parseTracepath,
			[]string{"192.168.1.1", "10.20.0.1", "198.51.100.9", "198.51.100.17", "198.51.100.9", "198.51.100.17", ""},
			8601 * time.Microsecond, nil, "", []string{"198.51.100.9", "198.51.100.17"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := fixture(t, tc.name)
			hops := tc.parse(out)
			assert.Equal(t, tc.addrs, addrs(hops))
			for i, h := range hops {
				assert.Equal(t, i+1, h.TTL)
				assert.Equal(t, tc.notes[h.TTL], h.Note, "hop %d", h.TTL)
				if h.Address == "" {
					assert.Zero(t, h.RTT)
				} else {
					assert.Positive(t, h.RTT)
				}
			}
			assert.Equal(t, tc.rtt3, hops[2].RTT)
			assert.Equal(t, tc.target, targetIP(out))
			assert.Equal(t, tc.loop, DetectLoop(hops))
		})
	}
	// repeated lines of one TTL keep the best RTT
	hops := parseTracepath(fixture(t, "tracepath_ok.out"))
	assert.Equal(t, 584*time.Microsecond, hops[0].RTT)
	assert.Equal(t, 9901*time.Microsecond, hops[3].RTT)
}

func TestDetectLoop(t *testing.T) {
	h := func(as ...string) []Hop {
		var out []Hop
		for i, a := range as {
			out = append(out, Hop{TTL: i + 1, Address: a})
		}
		return out
	}
	tests := []struct {
		name string
		hops []Hop
		want []string
	}{
		{"empty", nil, nil},
		{"straight path", h("a", "b", "c", "d"), nil},
		{"same router twice in a row", h("a", "b", "b", "c"), nil},
		{"silent hops", h("a", "", "", "b"), nil},
		{"two-router loop", h("a", "b", "c", "b", "c", "b"), []string{"b", "c"}},
		{"loop across silence", h("a", "b", "", "c", "", "b"), []string{"b", "c"}},
		{"three-router loop", h("x", "a", "b", "c", "a", "b", "c"), []string{"a", "b", "c"}},
		{"back to the first hop", h("a", "b", "a"), []string{"a", "b"}},
		{"doubled then loop", h("a", "b", "b", "c", "b"), []string{"b", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, DetectLoop(tc.hops)) })
	}
}

func TestTraceFinish(t *testing.T) {
	r := TraceResult{Target: "api.test", Address: "203.0.113.80",
		Hops: parseTraceroute(fixture(t, "traceroute_loop.out"))}
	r.finish()
	assert.True(t, r.Loop)
	assert.False(t, r.Reached)
	assert.Equal(t, []string{"198.51.100.9", "198.51.100.17"}, r.LoopHops)

	r = TraceResult{Target: "api.test", Address: "203.0.113.80",
		Hops: parseTraceroute(fixture(t, "traceroute_ok.out"))}
	r.finish()
	assert.True(t, r.Reached)
	assert.False(t, r.Loop)
}

// TestTraceLoopback runs the system's tracers to 127.0.0.1.
func TestTraceLoopback(t *testing.T) {
	saved := tracers
	t.Cleanup(func() { tracers = saved })
	for _, tr := range saved {
		t.Run(tr.name, func(t *testing.T) {
			if _, err := exec.LookPath(tr.name); err != nil {
				testenv.SkipOrFail(t, "%s is not installed (apt-get install traceroute iputils-tracepath)", tr.name)
			}
			tracers = []tracer{tr}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r, err := Trace(ctx, "127.0.0.1", 5)
			require.NoError(t, err)
			assert.Equal(t, tr.name, r.Tool)
			require.Len(t, r.Hops, 1, "%+v", r)
			assert.Equal(t, "127.0.0.1", r.Hops[0].Address)
			assert.True(t, r.Reached)
			assert.False(t, r.Loop)
			assert.Empty(t, r.Unavailable)
			assert.Empty(t, r.Incomplete)
		})
	}
}

func TestTraceUnavailableAndErrors(t *testing.T) {
	saved := tracers
	t.Cleanup(func() { tracers = saved })
	tracers = []tracer{{name: "triage-no-such-tracer"}}
	r, err := Trace(context.Background(), "127.0.0.1", 5)
	require.NoError(t, err)
	assert.Contains(t, r.Unavailable, "neither traceroute nor tracepath")

	_, err = Trace(context.Background(), "-f", 5)
	require.ErrorIs(t, err, ErrBadHost)

	tracers = saved
	if _, err := exec.LookPath("traceroute"); err == nil {
		_, err := Trace(context.Background(), "nonexistent.invalid", 3)
		assert.Error(t, err, "an unknown host is an error, not an empty path")
	}
}
