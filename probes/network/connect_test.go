package network

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab"
)

// TestConnectTCP holds connectTCP to what net.Dialer does on loopback: the
// same outcome and the same error text for an open, a refused and a silent
// port, a cancelled connect, and a host name.
func TestConnectTCP(t *testing.T) {
	open, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer open.Close()
	refused, err := lab.RefusedAddr()
	require.NoError(t, err)
	silent, err := lab.NewSilent()
	require.NoError(t, err)
	defer silent.Close()
	_, port, _ := net.SplitHostPort(open.Addr().String())

	dial := func(ctx context.Context, addr string) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if c != nil {
			_ = c.Close()
		}
		return err
	}
	var d net.Dialer
	tests := []struct {
		name    string
		addr    string
		timeout time.Duration
		check   func(t *testing.T, err error)
	}{
		{"open", open.Addr().String(), 2 * time.Second, func(t *testing.T, err error) { assert.NoError(t, err) }},
		{"open by name", net.JoinHostPort("localhost", port), 2 * time.Second, func(t *testing.T, err error) { assert.NoError(t, err) }},
		{"refused", refused, 2 * time.Second, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, syscall.ECONNREFUSED)
			assert.Equal(t, "connection refused", probes.ErrWords(err))
		}},
		{"silent", silent.Addr, 300 * time.Millisecond, func(t *testing.T, err error) {
			assert.True(t, probes.TimedOut(err), "%v", err)
			assert.Equal(t, "timed out", probes.ErrWords(err))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			start := time.Now()
			lat, err := connectTCP(ctx, &d, tt.addr)
			took := time.Since(start)
			tt.check(t, err)
			assert.LessOrEqual(t, lat, took, "the latency is the connect's own")
			grace.Within(t, took, tt.timeout, "a connect ends by its deadline")

			ctx2, cancel2 := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel2()
			want := dial(ctx2, tt.addr)
			if want == nil || err == nil {
				assert.Equal(t, want == nil, err == nil, "as net.Dialer: %v, got %v", want, err)
				return
			}
			assert.Equal(t, want.Error(), err.Error(), "the error reads as net.Dialer's")
		})
	}

	t.Run("cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := connectTCP(ctx, &d, silent.Addr)
		assert.True(t, errors.Is(err, context.Canceled), "%v", err)
		assert.Equal(t, "cancelled", probes.ErrWords(err))
	})
	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := connectTCP(ctx, &d, open.Addr().String())
		assert.ErrorIs(t, err, context.Canceled)
	})
}
