package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tmuxSession runs one command in a detached tmux session on a private
// server (its own socket, no user config) and reads its screen.
type tmuxSession struct {
	t      *testing.T
	base   string
	n      int
	socket string
}

func (s *tmuxSession) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	return string(out), err
}

func (s *tmuxSession) start(t *testing.T, w, h int, command string) {
	t.Helper()
	s.t = t
	s.n++
	s.socket = fmt.Sprintf("%s-%d", s.base, s.n) // a fresh server: a killed one may still be exiting
	out, err := s.tmux("new-session", "-d", "-s", "smoke", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), command)
	require.NoError(t, err, out)
	sock, _ := s.tmux("display-message", "-p", "#{socket_path}")
	t.Cleanup(func() { // our own server, by its socket; then its socket file
		_, _ = s.tmux("kill-server")
		if p := strings.TrimSpace(sock); strings.Contains(p, "triage-smoke-") {
			_ = os.Remove(p)
		}
	})
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	out, err := s.tmux(append([]string{"send-keys", "-t", "smoke"}, keys...)...)
	require.NoError(s.t, err, out)
}

func (s *tmuxSession) screen(escapes bool) string {
	args := []string{"capture-pane", "-p", "-t", "smoke"}
	if escapes {
		args = append(args, "-e")
	}
	out, _ := s.tmux(args...)
	return out
}

// waitFor polls the screen until it contains all of want.
func (s *tmuxSession) waitFor(want ...string) string {
	s.t.Helper()
	var scr string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		scr = s.screen(false)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(scr, w)
		}
		if ok {
			return scr
		}
	}
	require.Failf(s.t, "screen never showed what was expected", "want %q\nscreen:\n%s", want, scr)
	return ""
}

func (s *tmuxSession) altScreen() string {
	out, _ := s.tmux("display-message", "-p", "-t", "smoke", "#{alternate_on}")
	return strings.TrimSpace(out)
}

// TestSmokeTmux runs the screen in a real terminal: it starts, shows the
// five layers, help, the drill-down, quits on q with the terminal restored,
// exits cleanly on SIGTERM and SIGHUP, and draws no colour under NO_COLOR.
// Skipped without tmux, except under CI=true.
func TestSmokeTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test: not in -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		testenv.SkipOrFail(t, "tmux is not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "smokeapp")
	build := exec.Command("go", "build", "-o", bin, "./internal/smokeapp")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	s := &tmuxSession{t: t, base: fmt.Sprintf("triage-smoke-%d", os.Getpid())}
	logPath := filepath.Join(dir, "smoke.log")
	pidFile := filepath.Join(dir, "pid")
	run := func(env string) string {
		// The shell stays after the program so the restored screen can be
		// read. CI is unset for the program: termenv takes CI for "not a
		// terminal" and would drop colour, which the NO_COLOR step compares.
		return fmt.Sprintf("sh -c 'echo $$ > %s; exec env -u CI %s %s -interval 1s -log %s' ; echo EXITED rc=$?; sleep 300", pidFile, env, bin, logPath)
	}

	t.Run("keys and quit", func(t *testing.T) {
		s.start(t, 80, 24, run(""))
		scr := s.waitFor("NETWORK", "server", "application", "data", "security", "RED")
		assert.Equal(t, "1", s.altScreen(), "full screen")
		assert.Contains(t, scr, "PRODUCTION")
		s.keys("?")
		s.waitFor("── help", "kill blocking session", "wall view")
		s.keys("Escape")
		time.Sleep(300 * time.Millisecond)   // ESC then Tab at once would read as alt+tab
		s.waitFor("lock_waits crit")         // the pile-up comes after two rounds
		s.keys("Tab", "Tab", "Tab", "Enter") // the data pane overflows: its worst check, the lock pile-up, is first
		s.waitFor("▶ db-primary", "waiting_thread", "blocking_query")
		s.keys("q")
		scr = s.waitFor("EXITED rc=0")
		assert.Equal(t, "0", s.altScreen(), "alternate screen left")
		assert.NotContains(t, scr, "NETWORK", "the screen is restored")
		logged, err := os.ReadFile(logPath)
		require.NoError(t, err)
		assert.Contains(t, string(logged), "tui: quit", "logs go to the file")
	})

	// Keys that arrive in one read (held j over a laggy link) each count:
	// -l writes the three runes to the terminal at once.
	// 100×40: every pane shows all its checks, so their order is fixed.
	t.Run("key batch", func(t *testing.T) {
		s.start(t, 100, 40, run(""))
		s.waitFor("NETWORK", "1/4")
		s.keys("-l", "jjj")
		s.waitFor("4/4")
		s.keys("-l", "kk")
		s.waitFor("2/4")
	})

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			s.start(t, 80, 24, run(""))
			s.waitFor("NETWORK")
			pid := readPid(t, pidFile)
			require.NoError(t, syscall.Kill(pid, sig)) // the program's own pid, from its pid file
			s.waitFor("EXITED rc=0")
			assert.Equal(t, "0", s.altScreen())
		})
	}

	t.Run("NO_COLOR", func(t *testing.T) {
		colour := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;5;[0-9]+)[;m]`)
		s.start(t, 100, 30, run(""))
		s.waitFor("NETWORK", "RED")
		assert.Regexp(t, colour, s.screen(true), "colour without NO_COLOR (the check can see colour)")
		_, _ = s.tmux("kill-server")
		s.start(t, 100, 30, run("NO_COLOR=1"))
		s.waitFor("NETWORK", "RED")
		assert.NotRegexp(t, colour, s.screen(true))
	})
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return pid
}
