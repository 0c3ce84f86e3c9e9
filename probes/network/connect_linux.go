package network

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// noDeadline bounds a connect whose context has no deadline; the kernel
// gives up on an unanswered handshake after about two minutes anyway.
const noDeadline = 5 * time.Minute

// connectTCP connects to address and closes the connection at once,
// returning how long the handshake took. An IP literal address is dialled
// on a bare non-blocking socket the process's connect poller waits on
// (poller_linux.go); a host name goes through dialer. Errors read as
// net.Dialer's do ("dial tcp ADDR: connect: connection refused", "…: i/o
// timeout").
func connectTCP(ctx context.Context, dialer *net.Dialer, address string) (time.Duration, error) {
	ap, p, ok := pollable(address)
	if !ok {
		start := time.Now()
		c, err := dialer.DialContext(ctx, "tcp", address)
		lat := time.Since(start)
		if c != nil {
			_ = c.Close()
		}
		return lat, err
	}
	if err := ctx.Err(); err != nil {
		return 0, dialError(ap, err)
	}
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(noDeadline)
	}
	type result struct {
		lat time.Duration
		err error
	}
	ch := make(chan result, 1)
	d := p.connect(ap, dl, func(lat time.Duration, err error) { ch <- result{lat, err} })
	select {
	case r := <-ch:
		return r.lat, r.err
	case <-ctx.Done():
		p.abort(d, contextError(ctx)) // nil d: the outcome is in ch already
		r := <-ch
		return r.lat, r.err
	}
}

// pollable parses address as an IP literal the connect poller can dial: not
// a host name, nor a link-local address with its zone.
func pollable(address string) (netip.AddrPort, *connectPoller, bool) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || ap.Addr().Zone() != "" {
		return ap, nil, false
	}
	p, err := sharedPoller()
	if err != nil {
		return ap, nil, false
	}
	return ap, p, true
}
