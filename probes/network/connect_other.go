//go:build !linux

package network

import (
	"context"
	"net"
	"time"

	"github.com/fivelayer/triage/probes"
)

// Start cannot run the probe without a goroutine here: the connect poller
// is Linux's (poller_linux.go).
func (t *TCP) Start(context.Context, func([]probes.Result)) bool { return false }

// connectTCP connects to address with dialer and closes the connection at
// once, returning how long the handshake took.
func connectTCP(ctx context.Context, dialer *net.Dialer, address string) (time.Duration, error) {
	start := time.Now()
	c, err := dialer.DialContext(ctx, "tcp", address)
	lat := time.Since(start)
	if c != nil {
		_ = c.Close()
	}
	return lat, err
}
