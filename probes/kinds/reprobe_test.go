package kinds

import (
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
)

// TestReprobe runs one round of a component's real tcp probe: ok against a
// loopback listener, crit against a port nobody listens on.
func TestReprobe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := refused.Addr().String()
	require.NoError(t, refused.Close())

	cfg, err := config.Parse(fmt.Appendf(nil, `timeout: 2s
components:
  - name: up
    probes: [{kind: tcp, address: %q}]
  - name: down
    probes: [{kind: tcp, address: %q}]
  - name: empty
`, ln.Addr().String(), closed), "t.yaml", Registry)
	require.NoError(t, err)
	reprobe := Reprobe(cfg)

	st, sum := reprobe(t.Context(), "up")
	assert.Equal(t, probes.OK, st, sum)
	assert.Equal(t, "all 1 checks ok", sum)

	st, sum = reprobe(t.Context(), "down")
	assert.Equal(t, probes.Crit, st, sum)
	assert.Contains(t, sum, "connect crit")

	st, sum = reprobe(t.Context(), "empty")
	assert.Equal(t, probes.Unknown, st)
	assert.Equal(t, "no probes configured", sum)

	st, sum = reprobe(t.Context(), "nowhere")
	assert.Equal(t, probes.Unknown, st)
	assert.Equal(t, "no component nowhere", sum)
}
