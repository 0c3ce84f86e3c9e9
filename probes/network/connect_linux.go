package network

import (
	"context"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// aLongTimeAgo is a deadline in the past: it wakes a connect waiting for its socket.
var aLongTimeAgo = time.Unix(1, 0)

// connectTCP connects to address and closes the connection at once,
// returning how long the handshake took. An IP literal address is dialled
// on a bare non-blocking socket the runtime's poller waits on: what a
// connect check needs and nothing else, with about half the stack of
// net.Dialer's path for each of the thousands that may wait at once. A host
// name goes through dialer. Errors read as net.Dialer's do
// ("dial tcp ADDR: connect: connection refused", "…: i/o timeout").
func connectTCP(ctx context.Context, dialer *net.Dialer, address string) (time.Duration, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || ap.Addr().Zone() != "" { // a name, or a link-local address with its zone
		start := time.Now()
		c, err := dialer.DialContext(ctx, "tcp", address)
		lat := time.Since(start)
		if c != nil {
			_ = c.Close()
		}
		return lat, err
	}
	fail := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(ap), Err: err}
	}
	var sa unix.Sockaddr
	family := unix.AF_INET
	if a := ap.Addr().Unmap(); a.Is4() {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	}
	if err := ctx.Err(); err != nil {
		return 0, fail(err)
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fail(os.NewSyscallError("socket", err))
	}
	start := time.Now()
	switch err := unix.Connect(fd, sa); err {
	case nil:
		lat := time.Since(start)
		_ = unix.Close(fd)
		return lat, nil
	case unix.EINPROGRESS:
	default:
		lat := time.Since(start)
		_ = unix.Close(fd)
		return lat, fail(os.NewSyscallError("connect", err))
	}
	f := os.NewFile(uintptr(fd), "tcp "+address) // registers fd with the poller
	defer f.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = f.SetWriteDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = f.SetWriteDeadline(aLongTimeAgo) })
	defer stop()
	rc, err := f.SyscallConn()
	if err != nil {
		return time.Since(start), fail(err)
	}
	var cerr error
	werr := rc.Write(func(fd uintptr) bool {
		n, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			cerr = os.NewSyscallError("getsockopt", err)
		case n == 0:
			// The poller may wake early: connected only once there is a peer.
			_, err := unix.Getpeername(int(fd))
			return err == nil
		case syscall.Errno(n) == unix.EINPROGRESS || syscall.Errno(n) == unix.EALREADY || syscall.Errno(n) == unix.EINTR:
			return false
		default:
			cerr = os.NewSyscallError("connect", syscall.Errno(n))
		}
		return true
	})
	lat := time.Since(start)
	switch {
	case werr != nil && ctx.Err() == context.Canceled:
		return lat, fail(context.Canceled)
	case werr != nil:
		return lat, fail(os.ErrDeadlineExceeded) // "i/o timeout", as net.Dialer says it
	case cerr != nil:
		return lat, fail(cerr)
	}
	return lat, nil
}
