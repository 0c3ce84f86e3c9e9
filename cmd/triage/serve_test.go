package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// estateConfig watches one loopback port that refuses: a crit check.
func estateConfig(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	path := filepath.Join(t.TempDir(), "triage.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`estate: served
interval: 500ms
core: [api]
components:
  - name: api
    probes: [{kind: tcp, address: "`+addr+`"}]
thresholds:
  tcp.connect: {warn: 500, crit: 1000}
`), 0o600))
	return path
}

func TestServeCommand(t *testing.T) {
	cfg := estateConfig(t)
	cmd := exec.Command(buildTriage(t), "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir()) // its incident store is the test's
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() { // stop the process this test started, by its pid
		_ = cmd.Process.Kill()
	}()
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err)
	m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`).FindStringSubmatch(line)
	require.NotNil(t, m, "serve prints its address: %q", line)
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	base := "http://" + m[1]
	client := &http.Client{Timeout: 30 * time.Second}

	var rep struct {
		Estate   string `json:"estate"`
		Severity string `json:"severity"`
	}
	require.Eventually(t, func() bool {
		resp, err := client.Get(base + "/api/v1/snapshot")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&rep) == nil && rep.Severity == "red"
	}, time.Minute, 100*time.Millisecond, "the refused port of a core component is red")
	assert.Equal(t, "served", rep.Estate)

	resp, err := client.Get(base + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Contains(t, string(body), `triage_check_status{check="connect",component="api",estate="served",layer="network",probe="tcp"} 2`)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-done:
		assert.NoError(t, err, "SIGTERM is a clean exit")
	case <-time.After(time.Minute):
		t.Fatal("serve did not exit on SIGTERM")
	}
}

func TestServeAndRulesExitCodes(t *testing.T) {
	cfg := estateConfig(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"ssh needs authorized keys", []string{"serve", "--config", cfg, "--ssh", "127.0.0.1:0"}, 3, "--authorized-keys"},
		{"ssh flags need --ssh", []string{"serve", "--config", cfg, "--authorized-keys", "/dev/null"}, 3, "needs --ssh"},
		{"an authorized keys file without keys", []string{"serve", "--config", cfg, "--ssh", "127.0.0.1:0", "--authorized-keys", "/dev/null",
			"--host-key", filepath.Join(t.TempDir(), "hk")}, 3, "no keys"},
		{"listen on a bad address", []string{"serve", "--config", cfg, "--listen", "127.0.0.1:99999"}, 3, "--listen"},
		{"rules export", []string{"rules", "export", "--config", cfg}, 0, "TriageTcpConnectCritical"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runTriage(t, buildTriage(t), nil, tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, out+stderr, tc.contains)
		})
	}
}
