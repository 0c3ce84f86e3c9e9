package training

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes/lab"
)

// portMode is what answers on the application's port.
type portMode int

const (
	portUp     portMode = iota // the application serves
	portClosed                 // nothing listens: a connect is refused
	portSilent                 // a full accept queue: a connect never completes
)

// appPort owns the application's TCP port for the estate's life, so the
// configured address stays the same while faults close or silence it.
type appPort struct {
	Addr    string
	port    int
	handler http.Handler

	mu     sync.Mutex
	mode   portMode
	srv    *http.Server
	served chan struct{}
	silent *lab.Silent
}

// startAppPort listens on a free loopback port and serves h on it.
func startAppPort(h http.Handler) (*appPort, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("application port: %w", err)
	}
	p := &appPort{Addr: l.Addr().String(), port: l.Addr().(*net.TCPAddr).Port, handler: h}
	p.serve(l)
	return p, nil
}

func (p *appPort) serve(l net.Listener) {
	p.srv = &http.Server{Handler: p.handler, ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	p.served = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		_ = srv.Serve(l)
	}(p.srv, p.served)
}

// set moves the port to mode m. The server is closed with its connections,
// as a process that stops takes its connections with it.
func (p *appPort) set(m portMode) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m == p.mode {
		return nil
	}
	p.stopLocked()
	p.mode = portClosed
	switch m {
	case portUp:
		l, err := net.Listen("tcp", p.Addr)
		if err != nil {
			return fmt.Errorf("reopen %s: %w", p.Addr, err)
		}
		p.serve(l)
	case portSilent:
		s, err := lab.NewSilentAt(p.port)
		if err != nil {
			return fmt.Errorf("silence %s: %w", p.Addr, err)
		}
		p.silent = s
	}
	p.mode = m
	return nil
}

func (p *appPort) stopLocked() {
	if p.srv != nil {
		_ = p.srv.Close()
		<-p.served
		p.srv = nil
	}
	if p.silent != nil {
		p.silent.Close()
		p.silent = nil
	}
}

// close stops whatever answers on the port.
func (p *appPort) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
	p.mode = portClosed
}
