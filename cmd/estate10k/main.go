// Command estate10k serves a large estate of tcp endpoints on loopback and
// writes a triage config that watches them, for measuring the whole
// `triage` binary at scale (docs/probes.md, "Scale: ten thousand targets").
// A third of the endpoints are open (a listener nobody accepts from), a
// third refused (nothing listens) and a third silent (the accept queue is
// full, so the kernel drops every SYN), on 250 addresses of 127.20.0.0/16
// (127.21.0.0/16 for the refused ones). It runs until interrupted.
//
//	go run ./cmd/estate10k -n 10000 -config /tmp/estate10k.yaml -timeout 2s
//	triage check --config /tmp/estate10k.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fivelayer/triage/probes"
)

func main() {
	n := flag.Int("n", 10000, "endpoints")
	out := flag.String("config", "estate10k.yaml", "config file to write")
	timeout := flag.Duration("timeout", 2*time.Second, "the config's probe timeout")
	interval := flag.Duration("interval", 10*time.Second, "the config's round interval")
	flag.Parse()
	probes.RaiseFDLimit()
	if err := run(*n, *out, *timeout, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "estate10k:", err)
		os.Exit(1)
	}
}

func run(n int, out string, timeout, interval time.Duration) error {
	var b strings.Builder
	fmt.Fprintf(&b, "estate: estate10k\ntimeout: %s\ninterval: %s\ncomponents:\n", timeout, interval)
	var silent [][2]int // fd, port of each silent listener, filled below
	for i := range n {
		ip := [4]byte{127, 20, byte(i / 250 / 250), byte(1 + i%250)}
		var addr string
		switch i % 3 {
		case 0, 2:
			backlog := 64
			if i%3 == 2 {
				backlog = 0
			}
			fd, port, err := listen(ip, backlog)
			if err != nil {
				return fmt.Errorf("endpoint %d: %w", i, err)
			}
			if i%3 == 2 {
				silent = append(silent, [2]int{fd, port})
			}
			addr = fmt.Sprintf("127.20.%d.%d:%d", ip[2], ip[3], port)
		case 1:
			addr = fmt.Sprintf("127.21.0.%d:%d", 1+i%250, 10000+i%50000)
		}
		fmt.Fprintf(&b, "  - {name: t%05d, probes: [{kind: tcp, address: %q, count: 1}]}\n", i, addr)
	}
	for i, s := range silent { // one connection waits in each queue: the rest are dropped
		ip := [4]byte{127, 20, byte((3*i + 2) / 250 / 250), byte(1 + (3*i+2)%250)}
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: ip, Port: s[1]}); err != nil && err != unix.EINPROGRESS {
			return fmt.Errorf("fill %d: %w", s[1], err)
		}
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o600); err != nil {
		return err
	}
	fmt.Printf("%d endpoints; config %s\n", n, out)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}

// listen listens on ip:0 with backlog and returns the socket and its port.
func listen(ip [4]byte, backlog int) (int, int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, 0, err
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: ip}); err != nil {
		return 0, 0, err
	}
	if err := unix.Listen(fd, backlog); err != nil {
		return 0, 0, err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, 0, err
	}
	return fd, sa.(*unix.SockaddrInet4).Port, nil
}
