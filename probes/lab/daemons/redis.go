package daemons

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Redis is one redis-server started by this process.
type Redis struct {
	Addr string
	Dir  string

	cmd    *exec.Cmd
	exited chan struct{}
}

// StartRedis runs redis-server on a free loopback port with dir as its
// working directory (its log is dir/redis.log), no persistence, plus args.
// portFlag is "--port", or "--tls-port" for a TLS-only server. It returns
// once the port accepts connections.
func StartRedis(dir, portFlag string, args ...string) (*Redis, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server %w: %v", ErrNotInstalled, err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	base := []string{portFlag, strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log")}
	if portFlag != "--port" {
		base = append(base, "--port", "0")
	}
	cmd := exec.Command(bin, append(base, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(r.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", r.Addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return r, nil
		}
		select {
		case <-r.exited:
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			return nil, fmt.Errorf("redis-server exited: %s", log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.Stop()
			return nil, fmt.Errorf("redis-server on %s did not answer", r.Addr)
		}
	}
}

// Pid is the server's process id.
func (r *Redis) Pid() int { return r.cmd.Process.Pid }

// Stop ends the server it started: SIGTERM, SIGKILL after 5 s. Safe to call twice.
func (r *Redis) Stop() {
	select {
	case <-r.exited:
		return
	default:
	}
	_ = syscall.Kill(r.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.exited
	}
}
