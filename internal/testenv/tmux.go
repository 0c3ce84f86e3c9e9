package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Tmux is a tmux server of the test's own (its own -L socket), killed when
// the test ends: terminal tests drive real programs (ssh, triage) in it.
type Tmux struct {
	t      testing.TB
	socket string
}

var tmuxServers atomic.Int32

// NewTmux starts nothing yet; it skips (fails under CI=true) without tmux.
func NewTmux(t testing.TB) *Tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		SkipOrFail(t, "tmux is not installed: %v", err)
	}
	x := &Tmux{t: t, socket: fmt.Sprintf("triage-test-%d-%d", os.Getpid(), tmuxServers.Add(1))}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", x.socket, "kill-server").Run() })
	return x
}

// Start runs command in a new detached session of w×h cells.
func (x *Tmux) Start(session string, w, h int, command string) {
	x.t.Helper()
	out, err := exec.Command("tmux", "-L", x.socket, "new-session", "-d", "-s", session,
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h), command).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux new-session: %v: %s", err, out)
	}
}

// Screen is what the session's pane shows now ("" when it cannot be read).
func (x *Tmux) Screen(session string) string {
	out, err := exec.Command("tmux", "-L", x.socket, "capture-pane", "-p", "-t", session).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// ScreenANSI is the pane with its colours and attributes as escape sequences.
func (x *Tmux) ScreenANSI(session string) string {
	out, err := exec.Command("tmux", "-L", x.socket, "capture-pane", "-e", "-p", "-t", session).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// Send types keys (tmux key names), each as its own keystroke.
func (x *Tmux) Send(session string, keys ...string) {
	x.t.Helper()
	for _, k := range keys {
		if err := exec.Command("tmux", "-L", x.socket, "send-keys", "-t", session, k).Run(); err != nil {
			x.t.Fatalf("tmux send-keys %q: %v", k, err)
		}
		time.Sleep(50 * time.Millisecond) // typing, not a paste
	}
}

// Type types s literally.
func (x *Tmux) Type(session, s string) {
	x.t.Helper()
	if err := exec.Command("tmux", "-L", x.socket, "send-keys", "-t", session, "-l", s).Run(); err != nil {
		x.t.Fatalf("tmux send-keys -l: %v", err)
	}
}

// WaitFor waits up to limit until the pane shows want, and returns the
// screen; it fails the test with what the pane shows otherwise.
func (x *Tmux) WaitFor(session, want string, limit time.Duration) string {
	x.t.Helper()
	end := time.Now().Add(limit)
	for {
		s := x.Screen(session)
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(end) {
			x.t.Fatalf("pane %s never showed %q in %s; it shows:\n%s", session, want, limit, s)
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// PanePID is the pid of the pane's first process (the shell running the
// session's command).
func (x *Tmux) PanePID(session string) int {
	x.t.Helper()
	out, err := exec.Command("tmux", "-L", x.socket, "list-panes", "-t", session, "-F", "#{pane_pid}").Output()
	if err != nil {
		x.t.Fatalf("tmux list-panes: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		x.t.Fatalf("pane pid %q: %v", out, err)
	}
	return pid
}
