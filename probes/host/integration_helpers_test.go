package host

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/stretchr/testify/require"
)

// lookBinary returns the path in env, else def, skipping when it is missing.
func lookBinary(t *testing.T, env, def string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		path = def
	}
	if _, err := exec.LookPath(path); err != nil {
		testenv.SkipOrFail(t, "%s not installed (apt-get install -y %s, or set %s): %v", path, filepath.Base(def), env, err)
	}
	return path
}

// freeLoopbackAddr returns a 127.0.0.1 address that was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// syncBuffer collects a child's output for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startProcess starts argv in dir and stops it by pid when the test ends.
// It returns a function that stops it earlier, and its output.
func startProcess(t *testing.T, dir string, argv ...string) (stop func(), out *syncBuffer) {
	t.Helper()
	out = &syncBuffer{}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, out
	require.NoError(t, cmd.Start(), "start %s", argv[0])
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { stopProcess(cmd.Process, done) }) }
	t.Cleanup(stop)
	return stop, out
}

// stopProcess sends SIGTERM to the pid, then SIGKILL after 5 s.
func stopProcess(p *os.Process, done <-chan struct{}) {
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.Kill()
		<-done
	}
}

// waitHTTP polls url until it answers 200 or the wait is over.
func waitHTTP(t *testing.T, url string, wait time.Duration, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer within %s (last error %v); output:\n%s", url, wait, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startNodeExporter starts the Debian node exporter on a free loopback port
// and returns its /metrics URL.
func startNodeExporter(t *testing.T, args ...string) string {
	t.Helper()
	bin := lookBinary(t, "TRIAGE_TEST_NODE_EXPORTER_BIN", "/usr/bin/prometheus-node-exporter")
	addr := freeLoopbackAddr(t)
	argv := append([]string{bin, "--web.listen-address=" + addr}, args...)
	_, out := startProcess(t, t.TempDir(), argv...)
	url := fmt.Sprintf("http://%s/metrics", addr)
	waitHTTP(t, url, 10*time.Second, out)
	return url
}
