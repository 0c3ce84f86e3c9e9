package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
)

// sshKeys makes an operator key and a viewer key with ssh-keygen and the
// authorized_keys file that lists them; it skips (fails under CI=true)
// without the OpenSSH client tools.
func sshKeys(t *testing.T, dir string) (op, viewer, authorized string) {
	t.Helper()
	for _, tool := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.SkipOrFail(t, "%s is not installed (Debian: openssh-client): %v", tool, err)
		}
	}
	line := func(path, comment string) string {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path).CombinedOutput()
		require.NoError(t, err, "%s", out)
		b, err := os.ReadFile(path + ".pub")
		require.NoError(t, err)
		return strings.TrimSpace(string(b))
	}
	op, viewer = filepath.Join(dir, "op"), filepath.Join(dir, "viewer")
	authorized = filepath.Join(dir, "authorized_keys")
	require.NoError(t, os.WriteFile(authorized, []byte(`environment="TRIAGE_ROLE=operator" `+line(op, "alice@ops")+"\n"+
		line(viewer, "bob@war-room")+"\n"), 0o600))
	return op, viewer, authorized
}

// sshClient is the pane command that connects with key to port and keeps
// the pane after ssh exits, with its exit status.
func sshClient(dir, key, port string) string {
	return "ssh -tt -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=" + filepath.Join(dir, "known_hosts") +
		" -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR -p " + port + " -i " + key + " 127.0.0.1; echo ssh-exit=$?; sleep 600"
}

// startSSHServer starts the triage binary with args and reads the SSH port
// (and the HTTP address, when args has --listen) from its first lines on
// stderr.
func startSSHServer(t *testing.T, state string, args ...string) (*exec.Cmd, <-chan error, string, string) {
	t.Helper()
	cmd := exec.Command(buildTriage(t), args...)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // the process this test started, by its pid
	rd := bufio.NewReader(stderr)
	re := regexp.MustCompile(`over ssh on 127\.0\.0\.1:(\d+)`)
	reHTTP := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)
	wantHTTP := slices.Contains(args, "--listen")
	var port, httpAddr, seen string
	for port == "" || wantHTTP && httpAddr == "" {
		line, err := rd.ReadString('\n')
		seen += line
		require.NoError(t, err, "triage's stderr before the address:\n%s", seen)
		if m := re.FindStringSubmatch(line); m != nil {
			port = m[1]
		}
		if m := reHTTP.FindStringSubmatch(line); m != nil {
			httpAddr = m[1]
		}
	}
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	return cmd, done, port, httpAddr
}

// TestServeSSHCommand: `triage serve --ssh` creates its host key 0600 in the
// state directory, serves a red estate to a real ssh client, and on
// SIGTERM the client reads the goodbye, its ssh exits 0 and so does triage.
func TestServeSSHCommand(t *testing.T) {
	dir := t.TempDir()
	op, _, ak := sshKeys(t, dir)
	x := testenv.NewTmux(t)
	state := filepath.Join(dir, "state")
	cmd, done, port, httpAddr := startSSHServer(t, state, "serve", "--config", estateConfig(t), "--ssh", "127.0.0.1:0",
		"--authorized-keys", ak, "--listen", "127.0.0.1:0")

	st, err := os.Stat(filepath.Join(state, "triage", "ssh_host_ed25519_key"))
	require.NoError(t, err, "the host key is created on first start")
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	x.Start("op", 100, 30, sshClient(dir, op, port))
	scr := x.WaitFor("op", "RED system down", grace.Scale(time.Minute))
	assert.Contains(t, scr, "served")
	assert.Contains(t, scr, "LIVE operator")

	// HTTP beside SSH: the same incident.
	resp, err := (&http.Client{Timeout: grace.Scale(10 * time.Second)}).Get("http://" + httpAddr + "/api/v1/snapshot")
	require.NoError(t, err)
	var rep struct{ Severity string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rep))
	_ = resp.Body.Close()
	assert.Equal(t, "red", rep.Severity)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-done:
		assert.NoError(t, err, "SIGTERM is a clean exit")
	case <-time.After(grace.Scale(time.Minute)):
		t.Fatal("serve did not exit on SIGTERM")
	}
	scr = x.WaitFor("op", "ssh-exit=", grace.Scale(30*time.Second))
	assert.Contains(t, scr, "triage: triage is shutting down, goodbye")
	assert.Contains(t, scr, "ssh-exit=0")
}

// TestLabSSHSharesFaults: `triage lab --ssh` serves one training estate: a
// fault the operator injects is on the viewer's panel and timeline; the
// viewer cannot switch one.
func TestLabSSHSharesFaults(t *testing.T) {
	dir := t.TempDir()
	op, viewer, ak := sshKeys(t, dir)
	x := testenv.NewTmux(t)
	cmd, done, port, _ := startSSHServer(t, filepath.Join(dir, "state"), "lab", "--ssh", "127.0.0.1:0", "--authorized-keys", ak,
		"--host-key", filepath.Join(dir, "host_key"))
	x.Start("op", 120, 40, sshClient(dir, op, port))
	x.Start("view", 120, 40, sshClient(dir, viewer, port))
	x.WaitFor("op", "LAB operator", grace.Scale(time.Minute))
	x.WaitFor("view", "LAB viewer", grace.Scale(time.Minute))

	x.Send("view", "f")
	x.WaitFor("view", "lab faults", grace.Scale(30*time.Second))
	x.Send("view", "5") // port closed: one digit, the lab's faults go to 15
	x.WaitFor("view", "viewer: only an operator key injects or clears faults", grace.Scale(30*time.Second))

	x.Send("op", "f")
	x.WaitFor("op", "lab faults", grace.Scale(30*time.Second))
	x.Send("op", "1") // 1 may begin 10-15: enter takes fault 1
	x.WaitFor("op", "second digit for 10-15", grace.Scale(30*time.Second))
	x.Send("op", "Enter")
	x.WaitFor("op", "fault injected: 503 storm", grace.Scale(30*time.Second))
	x.WaitFor("view", "[ ON  ]", grace.Scale(30*time.Second)) // the viewer's open panel follows the estate
	// esc alone, then t: sent together over a loaded link they read as alt+t
	x.Send("view", "Escape")
	x.WaitFor("view", "NETWORK", grace.Scale(30*time.Second))
	x.Send("view", "t")
	x.WaitFor("view", "fault injected: 503 storm", grace.Scale(30*time.Second))

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-done:
		assert.NoError(t, err, "SIGTERM is a clean exit")
	case <-time.After(grace.Scale(time.Minute)):
		t.Fatal("lab did not exit on SIGTERM")
	}
	for _, s := range []string{"op", "view"} {
		assert.Contains(t, x.WaitFor(s, "ssh-exit=", grace.Scale(30*time.Second)), "ssh-exit=0", s)
	}
}
