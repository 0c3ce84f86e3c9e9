//go:build !linux

package network

import (
	"context"
	"net"
	"time"
)

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
