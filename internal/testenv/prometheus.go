package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Server is a real server a test started: its base URL and its process.
type Server struct {
	URL  string
	Cmd  *exec.Cmd
	Dir  string
	done chan struct{} // closed once the process has exited
	err  error         // its exit status, set before done closes
}

// Stop kills the server by its pid (the one this test started) and waits
// for it to exit; stopping a stopped server does nothing.
func (s *Server) Stop() {
	_ = s.Cmd.Process.Kill()
	<-s.done
}

// FindBinary returns the first of names on PATH (or in /usr/sbin, /usr/bin),
// or skips (fails under CI=true) naming the package that provides it.
func FindBinary(t testing.TB, pkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		for _, dir := range []string{"/usr/bin", "/usr/sbin"} {
			if p := filepath.Join(dir, n); isExec(p) {
				return p
			}
		}
	}
	SkipOrFail(t, "%s not installed (apt-get install %s)", strings.Join(names, " or "), pkg)
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// FreePort returns a loopback address nobody listens on at the moment.
func FreePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// StartAlertmanager runs Debian's prometheus-alertmanager alone (no
// cluster) on a free loopback port with its own storage, config and
// directory, stopped when the test ends. config is alertmanager.yml; empty
// means one receiver that does nothing.
func StartAlertmanager(t testing.TB, config string) *Server {
	t.Helper()
	bin := FindBinary(t, "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")
	if config == "" {
		config = "route: {receiver: none}\nreceivers: [{name: none}]\n"
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return start(t, "alertmanager", dir, bin,
		"--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"), "--cluster.listen-address=")
}

// StartPrometheus runs Debian's prometheus on a free loopback port with
// config (prometheus.yml) and its own TSDB directory.
func StartPrometheus(t testing.TB, config string) *Server {
	t.Helper()
	bin := FindBinary(t, "prometheus", "prometheus")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return start(t, "prometheus", dir, bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"))
}

// start runs bin with a --web.listen-address on a free port and waits (up
// to a minute: the machine may be busy) for /-/ready. A port taken between
// FreePort and the bind is retried.
func start(t testing.TB, name, dir, bin string, args ...string) *Server {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr := FreePort(t)
		log, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.log", name, attempt)))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, append(args, "--web.listen-address="+addr)...)
		cmd.Stdout, cmd.Stderr, cmd.Dir = log, log, dir
		if err := cmd.Start(); err != nil {
			_ = log.Close()
			t.Fatalf("start %s: %v", name, err)
		}
		s := &Server{URL: "http://" + addr, Cmd: cmd, Dir: dir, done: make(chan struct{})}
		go func() { s.err = cmd.Wait(); _ = log.Close(); close(s.done) }()
		if lastErr = waitReady(s); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
		s.Stop()
		out, _ := os.ReadFile(log.Name())
		lastErr = fmt.Errorf("%w; log:\n%s", lastErr, tail(string(out), 2000))
	}
	t.Fatalf("%s did not become ready: %v", name, lastErr)
	return nil
}

func waitReady(s *Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-s.done:
			return fmt.Errorf("exited: %v", s.err)
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/-/ready", nil)
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
