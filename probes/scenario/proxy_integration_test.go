package scenario_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/kinds"
)

// freeAddr is a loopback address nobody listens on yet.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// startChild runs a command of the test's own, killed by pid at the end.
func startChild(t *testing.T, cmd *exec.Cmd) *exec.Cmd {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	return cmd
}

// waitHTTP waits until url answers at all (any status), bounded.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never answered: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A real nginx in front of an upstream process; the upstream is killed.
// The proxy answers 502 and logs connect() failures, but the cause is the
// dead upstream below it, not the proxy.
func TestUpstreamKilledBehindNginx(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		testenv.SkipOrFail(t, "nginx not installed: %v", err)
	}
	dir := t.TempDir()
	up, front := freeAddr(t), freeAddr(t)
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy; fastcgi_temp_path %[1]s/fcgi;
  uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  upstream app { server %[2]s; }
  server {
    listen %[3]s;
    location = /nginx_status { stub_status; }
    location / { proxy_pass http://app; proxy_connect_timeout 1s; }
  }
}
`, dir, up, front)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o600))
	upstream := exec.Command(os.Args[0], "-test.run=^$")
	upstream.Env = append(os.Environ(), envUpstream+"="+up)
	upstream = startChild(t, upstream)
	startChild(t, exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log")))
	waitHTTP(t, "http://"+up+"/")
	waitHTTP(t, "http://"+front+"/nginx_status")

	cfg, err := config.Parse([]byte(fmt.Sprintf(`
estate: proxy
core: [nginx]
components:
  - name: nginx
    probes:
      - {kind: http, url: "http://%[1]s/actuator/health"}
      - {kind: nginx, path: %[2]q, status_url: "http://%[1]s/nginx_status"}
    knowledge: {depends_on: [invoice-api]}
  - name: invoice-api
    probes: [{kind: tcp, address: %[3]q}]
    actions: {restart: {argv: [/bin/true]}}
`, front, filepath.Join(dir, "error.log"), up)), "proxy scenario", kinds.Registry)
	require.NoError(t, err)

	a, results := diagnose(t, cfg, 500*time.Millisecond)
	expect(t, a, results, cfg.Topology(), want{}) // healthy: nothing to blame
	require.Equal(t, incident.Green, a.Grade, a.Reason)

	require.NoError(t, upstream.Process.Signal(syscall.SIGKILL)) // our own child, by pid
	for _, u := range []string{"/a", "/b", "/c"} {               // users hit the proxy
		if resp, err := http.Get("http://" + front + u); err == nil {
			_ = resp.Body.Close()
		}
	}
	a, results = diagnose(t, cfg, time.Second)
	expect(t, a, results, cfg.Topology(), want{grade: incident.Red, cause: "invoice-api/tcp/connect",
		chain: []string{"nginx", "invoice-api"}, action: incident.Restart, adviceHas: "nothing listens on " + up,
		explains: []string{"nginx/http/status"}})
}
