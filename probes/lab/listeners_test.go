package lab

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSilentNeverCompletes(t *testing.T) {
	s, err := NewSilent()
	require.NoError(t, err)
	defer s.Close()
	const timeout = 300 * time.Millisecond
	start := time.Now()
	_, err = net.DialTimeout("tcp", s.Addr, timeout)
	require.Error(t, err)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "want a timeout, got %v", err)
	// A lower bound only: load makes the wait longer, never shorter.
	assert.GreaterOrEqual(t, time.Since(start), timeout, "the dial waited for its deadline")
}

func TestRefused(t *testing.T) {
	addr, err := RefusedAddr()
	require.NoError(t, err)
	_, err = net.DialTimeout("tcp", addr, time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused")
}

func TestHangingAcceptsButNeverAnswers(t *testing.T) {
	h, err := NewHanging()
	require.NoError(t, err)
	defer h.Close()
	c, err := net.DialTimeout("tcp", h.Addr, time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
}
