package remedytest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// nginxConf routes every request to the upstream in upstream.conf.
const nginxConf = `daemon off;
master_process on;
worker_processes 1;
pid {{DIR}}/nginx.pid;
error_log {{DIR}}/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path {{DIR}}/tmp/body;
    proxy_temp_path {{DIR}}/tmp/proxy;
    fastcgi_temp_path {{DIR}}/tmp/fastcgi;
    uwsgi_temp_path {{DIR}}/tmp/uwsgi;
    scgi_temp_path {{DIR}}/tmp/scgi;
    upstream app { include {{DIR}}/upstream.conf; }
    server {
        listen 127.0.0.1:{{PORT}};
        location / { proxy_pass http://app; }
    }
}
`

// pointScript is the traffic hook: point-nginx-at NAME rewrites the
// upstream include to backend NAME, checks the config and reloads nginx.
const pointScript = `#!/bin/sh
set -e
dir=$(dirname "$0")
port=$(awk -v n="$1" '$1 == n { print $2 }' "$dir/backends")
[ -n "$port" ] || { echo "unknown backend $1" >&2; exit 2; }
printf 'server 127.0.0.1:%s;\n' "$port" > "$dir/upstream.conf.new"
mv "$dir/upstream.conf.new" "$dir/upstream.conf"
{{NGINX}} -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
{{NGINX}} -s reload -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
echo "nginx now points at $1 (127.0.0.1:$port)"
`

// Nginx is an nginx started by the test on a loopback port, in front of
// two backends that answer their own names, "primary" and "standby".
type Nginx struct {
	// Dir holds nginx.conf, upstream.conf, the pid file and the error log.
	Dir string
	// URL is nginx's address.
	URL string
	// Hook is the traffic hook: `Hook NAME` points nginx at backend NAME and
	// reloads it (use it as a switchover's traffic_argv: [Hook, standby]).
	Hook   string
	client *http.Client
}

// StartNginx starts nginx (the Debian package) routed to "primary". It
// skips when nginx is not installed, or fails under CI=true.
func StartNginx(t testing.TB) *Nginx {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nginx is not installed (apt-get install nginx)")
		}
		t.Skip("nginx is not installed (apt-get install nginx)")
	}
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tmp"), 0o755))
	var backends strings.Builder
	for _, name := range []string{"primary", "standby"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, name) }))
		t.Cleanup(srv.Close)
		fmt.Fprintf(&backends, "%s %s\n", name, strings.TrimPrefix(srv.URL, "http://127.0.0.1:"))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "backends"), []byte(backends.String()), 0o644))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	conf := strings.NewReplacer("{{DIR}}", dir, "{{PORT}}", strconv.Itoa(port)).Replace(nginxConf)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644))
	hook := filepath.Join(dir, "point-nginx-at")
	require.NoError(t, os.WriteFile(hook, []byte(strings.ReplaceAll(pointScript, "{{NGINX}}", bin)), 0o755))
	out, err := exec.Command(hook, "primary").CombinedOutput()
	// The reload fails (nothing runs yet), but the upstream file is written.
	require.FileExists(t, filepath.Join(dir, "upstream.conf"), string(out))
	_ = err

	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	n := &Nginx{Dir: dir, URL: fmt.Sprintf("http://127.0.0.1:%d/", port), Hook: hook,
		client: &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	require.Eventually(t, func() bool { return n.Answer() == "primary" }, 10*time.Second, 50*time.Millisecond,
		"nginx did not answer; error log:\n%s", n.ErrorLog())
	return n
}

// Answer is what nginx answers now, without keep-alive ("" on failure).
func (n *Nginx) Answer() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL, nil)
	resp, err := n.client.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// ErrorLog returns nginx's error log.
func (n *Nginx) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, "error.log"))
	return string(b)
}
