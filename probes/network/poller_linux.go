package network

import (
	"container/heap"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// connectPoller waits for many non-blocking TCP connects at once on one
// epoll instance and one goroutine, so that a connect in flight holds a
// socket and about a hundred bytes, not a goroutine and its stack. A round
// of ten thousand tcp probes has thousands of connects waiting on silent
// ports for a whole timeout; with a goroutine each, their stacks were most
// of the round's memory.
//
// A connect is handed in with its deadline and a function to call with its
// outcome. Exactly one of the loop (the socket answered, or the deadline
// passed) and abort (the caller's context ended) takes the connect out of
// the table, and whichever does closes the socket and calls that function.
// The loop goroutine ends when no connect is waiting and is started again
// by the next one.
type connectPoller struct {
	epfd, evfd int

	mu      sync.Mutex
	dials   map[int32]*pendingConnect // by socket
	byDL    connectHeap
	seq     uint32    // tells a socket number's registrations apart once it is reused
	running bool      // a loop goroutine is running
	wakeAt  time.Time // when the loop's wait times out (zero: when a socket answers)
}

// pendingConnect is one connect in flight.
type pendingConnect struct {
	fd       int32
	seq      uint32
	idx      int // in connectHeap; -1 once taken out
	addr     netip.AddrPort
	start    time.Time
	deadline time.Time
	done     func(time.Duration, error)
}

var shared struct {
	once sync.Once
	p    *connectPoller
	err  error
}

// sharedPoller is the process's one connect poller, made on first use.
func sharedPoller() (*connectPoller, error) {
	shared.once.Do(func() { shared.p, shared.err = newConnectPoller() })
	return shared.p, shared.err
}

func newConnectPoller() (*connectPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	evfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		_ = unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(evfd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		_ = unix.Close(epfd)
		_ = unix.Close(evfd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return &connectPoller{epfd: epfd, evfd: evfd, dials: map[int32]*pendingConnect{}}, nil
}

// dialError reads as net.Dialer's errors do ("dial tcp ADDR: connect:
// connection refused", "dial tcp ADDR: i/o timeout").
func dialError(ap netip.AddrPort, err error) error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(ap), Err: err}
}

// connect starts a connect to ap that must finish by deadline and calls
// done with how long it took and its error (nil: connected; the connection
// is closed at once). An outcome known at once (refused on a local port, no
// socket left) calls done before connect returns, and connect returns nil;
// otherwise it returns the connect in flight, which abort ends early.
func (p *connectPoller) connect(ap netip.AddrPort, deadline time.Time, done func(time.Duration, error)) *pendingConnect {
	var sa unix.Sockaddr
	family := unix.AF_INET
	if a := ap.Addr().Unmap(); a.Is4() {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		done(0, dialError(ap, os.NewSyscallError("socket", err)))
		return nil
	}
	start := time.Now()
	switch err := unix.Connect(fd, sa); err {
	case nil:
		lat := time.Since(start)
		_ = unix.Close(fd)
		done(lat, nil)
		return nil
	case unix.EINPROGRESS:
	default:
		lat := time.Since(start)
		_ = unix.Close(fd)
		done(lat, dialError(ap, os.NewSyscallError("connect", err)))
		return nil
	}
	d := &pendingConnect{fd: int32(fd), addr: ap, start: start, deadline: deadline, done: done}
	// Registered under the lock, so that the loop never sees an event of a
	// socket it has no entry for, and nobody closes the socket between the
	// entry and the registration.
	p.mu.Lock()
	p.seq++
	d.seq = p.seq
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLONESHOT, Fd: d.fd, Pad: int32(d.seq)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.mu.Unlock()
		_ = unix.Close(fd)
		done(time.Since(start), dialError(ap, os.NewSyscallError("epoll_ctl", err)))
		return nil
	}
	p.dials[d.fd] = d
	heap.Push(&p.byDL, d)
	start2, wake := !p.running, p.running && (p.wakeAt.IsZero() || deadline.Before(p.wakeAt))
	p.running = true
	p.mu.Unlock()
	switch {
	case start2:
		go p.loop()
	case wake: // the loop sleeps past this deadline
		var one [8]byte
		one[0] = 1
		_, _ = unix.Write(p.evfd, one[:])
	}
	return d
}

// abort ends d with err, when it is still in flight.
func (p *connectPoller) abort(d *pendingConnect, err error) {
	if d == nil {
		return
	}
	p.mu.Lock()
	taken := p.take(d)
	p.mu.Unlock()
	if taken {
		_ = unix.Close(int(d.fd))
		d.done(time.Since(d.start), dialError(d.addr, err))
	}
}

// take removes d from the table when it is still there; the caller holds
// p.mu, and when take returns true it owns d's socket and outcome.
func (p *connectPoller) take(d *pendingConnect) bool {
	if cur, ok := p.dials[d.fd]; !ok || cur != d {
		return false
	}
	delete(p.dials, d.fd)
	if d.idx >= 0 {
		heap.Remove(&p.byDL, d.idx)
	}
	return true
}

// outcome is a connect the loop took out of the table.
type outcome struct {
	d   *pendingConnect
	lat time.Duration
	err error
}

// loop waits for sockets to answer and deadlines to pass, and ends when no
// connect is left.
func (p *connectPoller) loop() {
	events := make([]unix.EpollEvent, 128)
	var ready []outcome
	for {
		p.mu.Lock()
		if len(p.dials) == 0 {
			p.running, p.wakeAt = false, time.Time{}
			p.mu.Unlock()
			return
		}
		next := p.byDL[0].deadline
		p.wakeAt = next
		p.mu.Unlock()
		// Rounded up: waking a millisecond early would only wait again.
		wait := int((time.Until(next) + time.Millisecond - 1) / time.Millisecond)
		n, err := unix.EpollWait(p.epfd, events, max(wait, 0))
		if err != nil && !errors.Is(err, unix.EINTR) {
			// Not expected (EBADF, EINVAL); the deadlines still end every connect.
			time.Sleep(10 * time.Millisecond)
			n = 0
		}
		now := time.Now()
		ready = ready[:0]
		p.mu.Lock()
		for _, ev := range events[:max(n, 0)] {
			if ev.Fd == int32(p.evfd) {
				var buf [8]byte
				_, _ = unix.Read(p.evfd, buf[:])
				continue
			}
			d, ok := p.dials[ev.Fd]
			if !ok || d.seq != uint32(ev.Pad) {
				continue // taken by abort meanwhile
			}
			settled, err := connectOutcome(int(d.fd))
			if !settled { // woken before the handshake ended: wait again
				rearm := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLONESHOT, Fd: d.fd, Pad: int32(d.seq)}
				if unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, int(d.fd), &rearm) == nil {
					continue
				}
				err = os.NewSyscallError("epoll_ctl", syscall.EBADF)
			}
			p.take(d)
			if err != nil {
				err = dialError(d.addr, err)
			}
			ready = append(ready, outcome{d, now.Sub(d.start), err})
		}
		for len(p.byDL) > 0 && !p.byDL[0].deadline.After(now) {
			d := p.byDL[0]
			p.take(d)
			ready = append(ready, outcome{d, now.Sub(d.start), dialError(d.addr, os.ErrDeadlineExceeded)})
		}
		p.mu.Unlock()
		for i, o := range ready {
			_ = unix.Close(int(o.d.fd))
			report(o)
			ready[i] = outcome{}
		}
	}
}

// report hands o to its caller's function. A panic there must not end the
// loop that every other connect waits on: it is dropped, and the caller's
// own deadline (the scheduler's watchdog) ends that probe.
func report(o outcome) {
	defer func() { _ = recover() }()
	o.d.done(o.lat, o.err)
}

// connectOutcome reads how a connect that woke the poller ended: settled
// with err nil (connected) or the connect's error, or not settled yet.
func connectOutcome(fd int) (settled bool, err error) {
	n, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	switch {
	case err != nil:
		return true, os.NewSyscallError("getsockopt", err)
	case n == 0:
		if _, err := unix.Getpeername(fd); err != nil {
			return false, nil // connected only once there is a peer
		}
		return true, nil
	case syscall.Errno(n) == unix.EINPROGRESS || syscall.Errno(n) == unix.EALREADY || syscall.Errno(n) == unix.EINTR:
		return false, nil
	}
	return true, os.NewSyscallError("connect", syscall.Errno(n))
}

// connectHeap orders connects in flight by deadline.
type connectHeap []*pendingConnect

func (h connectHeap) Len() int           { return len(h) }
func (h connectHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h connectHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *connectHeap) Push(x any) {
	d := x.(*pendingConnect)
	d.idx = len(*h)
	*h = append(*h, d)
}
func (h *connectHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	old[len(old)-1] = nil
	d.idx = -1
	*h = old[:len(old)-1]
	return d
}

// contextError is the error a connect ended by ctx reports: a timeout when
// ctx's deadline passed, as net.Dialer says it ("i/o timeout").
func contextError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return os.ErrDeadlineExceeded
	}
	return ctx.Err()
}
