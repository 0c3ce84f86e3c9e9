package lab

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Silent is a loopback port whose accept queue is full, so a TCP connect to
// it never completes: the SYN is dropped and the client waits until its own
// deadline. It is the "firewall drops packets" fault without a firewall.
type Silent struct {
	Addr string
	fds  []int
	once sync.Once
}

// NewSilent opens a listener with backlog 0 on 127.0.0.1 and fills its queue
// with non-blocking connects until one no longer completes.
func NewSilent() (*Silent, error) { return NewSilentAt(0) }

// NewSilentAt makes port on 127.0.0.1 silent (0: a free port). The port may
// have just been closed by a server (SO_REUSEADDR): the lab's "silent port"
// fault turns the application's own port into a black hole.
func NewSilentAt(port int) (*Silent, error) {
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("silent listener: socket: %w", err)
	}
	s := &Silent{fds: []int{lfd}}
	if err := unix.SetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		s.Close()
		return nil, fmt.Errorf("silent listener: SO_REUSEADDR: %w", err)
	}
	sa := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}
	if err := unix.Bind(lfd, sa); err != nil {
		s.Close()
		return nil, fmt.Errorf("silent listener: bind: %w", err)
	}
	if err := unix.Listen(lfd, 0); err != nil {
		s.Close()
		return nil, fmt.Errorf("silent listener: listen: %w", err)
	}
	got, err := unix.Getsockname(lfd)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("silent listener: getsockname: %w", err)
	}
	port = got.(*unix.SockaddrInet4).Port
	s.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	target := &unix.SockaddrInet4{Addr: sa.Addr, Port: port}
	for range 16 {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("silent listener: filler socket: %w", err)
		}
		s.fds = append(s.fds, fd)
		if err := unix.Connect(fd, target); err != nil && !errors.Is(err, unix.EINPROGRESS) {
			s.Close()
			return nil, fmt.Errorf("silent listener: filler connect: %w", err)
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, _ := unix.Poll(pfd, 100)
		if n == 0 { // this connect did not complete: the queue is full
			return s, nil
		}
	}
	s.Close()
	return nil, errors.New("silent listener: accept queue never filled")
}

// Close releases the listener and its fillers.
func (s *Silent) Close() {
	s.once.Do(func() {
		for _, fd := range s.fds {
			_ = unix.Close(fd)
		}
	})
}

// RefusedAddr returns a loopback address on which nothing listens: a connect
// is refused at once.
func RefusedAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// Hanging is a loopback listener that accepts connections and never answers:
// a protocol timeout, not a connect timeout.
type Hanging struct {
	Addr string
	l    net.Listener
	mu   sync.Mutex
	held []net.Conn
	done chan struct{}
}

// NewHanging starts a Hanging listener on 127.0.0.1.
func NewHanging() (*Hanging, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &Hanging{Addr: l.Addr().String(), l: l, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.held = append(h.held, c)
			h.mu.Unlock()
		}
	}()
	return h, nil
}

// Close stops accepting and drops every held connection.
func (h *Hanging) Close() {
	_ = h.l.Close()
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.held {
		_ = c.SetDeadline(time.Now())
		_ = c.Close()
	}
	h.held = nil
}
