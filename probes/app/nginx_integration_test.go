package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

// freePort returns a loopback port nobody listens on (now).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// testNginx is an nginx the test started on a loopback port, inside a temp dir.
type testNginx struct {
	dir, errorLog string
	port          int
	cmd           *exec.Cmd
}

const testNginxConf = `%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log error;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    upstream app { server 127.0.0.1:%[3]d; }
    server {
        listen 127.0.0.1:%[4]d;
        location = /status { stub_status; }
        location / { proxy_pass http://app; }
    }
}
`

// startNginx runs nginx (TRIAGE_TEST_NGINX, default /usr/sbin/nginx) in the
// foreground with an upstream on a refused loopback port, so every proxied
// request is a real "connect() failed" 502. It is stopped by pid at cleanup.
func startNginx(t *testing.T) *testNginx {
	t.Helper()
	bin := os.Getenv("TRIAGE_TEST_NGINX")
	if bin == "" {
		bin = "/usr/sbin/nginx"
	}
	if _, err := os.Stat(bin); err != nil {
		testenv.SkipOrFail(t, "nginx not installed at %s (apt-get install nginx, or set TRIAGE_TEST_NGINX): %v", bin, err)
	}
	n := &testNginx{dir: t.TempDir(), port: freePort(t)}
	n.errorLog = filepath.Join(n.dir, "error.log")
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers must write into the root-owned temp dir
	}
	conf := filepath.Join(n.dir, "nginx.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(testNginxConf, user, n.dir, freePort(t), n.port)), 0o600))
	n.cmd = exec.Command(bin, "-p", n.dir, "-c", conf, "-e", n.errorLog, "-g", "daemon off;")
	out := &strings.Builder{}
	n.cmd.Stdout, n.cmd.Stderr = out, out
	require.NoError(t, n.cmd.Start())
	done := make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = n.cmd.Process.Signal(syscall.SIGTERM) // the master stops its workers
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = n.cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", n.port), 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return n
		}
		select {
		case <-done:
			t.Fatalf("nginx exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on 127.0.0.1:%d: %v; output: %s", n.port, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// get requests path n times and returns the statuses seen.
func (n *testNginx) get(t *testing.T, path string, times int) map[int]int {
	t.Helper()
	seen := map[int]int{}
	for range times {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", n.port, path))
		require.NoError(t, err)
		_ = resp.Body.Close()
		seen[resp.StatusCode]++
	}
	return seen
}

func TestNginxIntegration(t *testing.T) {
	ng := startNginx(t)
	p, err := NewNginx(probes.Spec{Kind: "nginx", Path: ng.errorLog, StatusURL: fmt.Sprintf("http://127.0.0.1:%d/status", ng.port)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	first := byCheck(p.Run(ctx))
	require.Equal(t, probes.OK, first["upstream_errors"].Status, first["upstream_errors"].Summary)
	conns := first["connections"]
	require.Equal(t, probes.OK, conns.Status, conns.Summary+" "+conns.Err)
	assert.GreaterOrEqual(t, *conns.Value, 1.0, "our own status request is active")
	assert.Equal(t, conns.Evidence["accepts"], conns.Evidence["handled"])

	assert.Equal(t, map[int]int{http.StatusBadGateway: 12}, ng.get(t, "/api/invoices", 12))
	second := byCheck(p.Run(ctx))
	up := second["upstream_errors"]
	assert.Equal(t, probes.Crit, up.Status, up.Summary)
	assert.InDelta(t, 12, *up.Value, 0)
	assert.Equal(t, map[string]int{"connect_failed": 12}, up.Evidence["by_kind"])
	lines := up.Evidence["last_lines"].([]string)
	require.Len(t, lines, 12)
	assert.Contains(t, lines[0], "connect() failed (111: Connection refused) while connecting to upstream")
	conns = second["connections"]
	assert.Equal(t, probes.OK, conns.Status, conns.Summary)
	assert.Contains(t, conns.Evidence, "requests_per_second")
	assert.GreaterOrEqual(t, conns.Evidence["requests"].(float64), 14.0)

	// Rotation as logrotate does it: rename, then USR1 makes nginx reopen its logs.
	require.NoError(t, os.Rename(ng.errorLog, ng.errorLog+".1"))
	require.NoError(t, ng.cmd.Process.Signal(syscall.SIGUSR1))
	require.Eventually(t, func() bool { _, err := os.Stat(ng.errorLog); return err == nil }, 5*time.Second, 20*time.Millisecond, "nginx reopened its error log")
	time.Sleep(100 * time.Millisecond) // the worker reopens after the master
	assert.Equal(t, map[int]int{http.StatusBadGateway: 3}, ng.get(t, "/", 3))
	third := byCheck(p.Run(ctx))
	up = third["upstream_errors"]
	assert.InDelta(t, 15, *up.Value, 0, up.Summary)
	assert.Equal(t, 1, up.Evidence["rotations"])
}
