package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes/lab/daemons"
)

// headlessLab is `triage lab --headless` run as a user would, with what
// it printed.
type headlessLab struct {
	config, control string
	env             []string
	out             []string
}

// startHeadless starts the lab and reads its banner up to the fault list.
func startHeadless(t *testing.T) *headlessLab {
	t.Helper()
	for _, bin := range []string{"mariadbd", "mariadb-install-db", "redis-server"} {
		if _, err := daemons.Binary(bin); err != nil {
			testenv.SkipOrFail(t, "the lab's data layer needs %s: %v", bin, err)
		}
	}
	state := t.TempDir()
	l := &headlessLab{env: append(os.Environ(), "XDG_STATE_HOME="+state)}
	cmd := exec.Command(buildTriage(t), "lab", "--headless")
	cmd.Env = l.env
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	lines := make(chan string)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_ = cmd.Wait()
	}()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "the lab exited; it printed:\n%s", strings.Join(l.out, "\n"))
			l.out = append(l.out, line)
			if v, ok := strings.CutPrefix(line, "config:"); ok {
				l.config = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "control:"); ok {
				l.control = strings.TrimSpace(v)
			}
			if line == "faults:" {
				go func() {
					for range lines { // the fault list, then nothing until SIGTERM
					}
				}()
				return l
			}
		case <-timeout:
			t.Fatalf("no banner within 60 s:\n%s", strings.Join(l.out, "\n"))
		}
	}
}

// triage runs the built command with the lab's environment.
func (l *headlessLab) triage(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(buildTriage(t), args...)
	cmd.Env = l.env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return string(out), code
}

// TestLabHeadlessDrivenFromTheCommandLine: the banner gives the config and
// the control socket; `triage lab fault` injects a lock wait, `triage check
// --config` names its root cause and blocker, `triage act kill-session`
// kills it through the guard, and the fault is gone.
func TestLabHeadlessDrivenFromTheCommandLine(t *testing.T) {
	l := startHeadless(t)
	banner := strings.Join(l.out, "\n")
	require.NotEmpty(t, l.config, banner)
	require.NotEmpty(t, l.control, banner)
	assert.Contains(t, banner, "triage lab fault NAME --control "+l.control)
	assert.Contains(t, banner, "triage check --config "+l.config)
	assert.Contains(t, banner, "database: MariaDB db-primary")
	assert.Contains(t, banner, "cache: Redis")
	assert.Equal(t, filepath.Dir(l.config), filepath.Dir(l.control))

	out, code := l.triage(t, "lab", "fault", "lock-wait") // found through the state directory
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "ON  lock-wait")

	var blocker float64
	require.Eventually(t, func() bool {
		out, _ := l.triage(t, "check", "--config", l.config, "--format", "json")
		var rep struct {
			Diagnosis struct {
				RootCauses []struct {
					CheckID string `json:"check_id"`
				} `json:"root_causes"`
			} `json:"diagnosis"`
			Layers []struct {
				Checks []struct {
					ID       string         `json:"id"`
					Evidence map[string]any `json:"evidence"`
				} `json:"checks"`
			} `json:"layers"`
		}
		if json.Unmarshal([]byte(out), &rep) != nil || len(rep.Diagnosis.RootCauses) == 0 ||
			rep.Diagnosis.RootCauses[0].CheckID != "db-primary/mysql/lock_waits" {
			return false
		}
		for _, l := range rep.Layers {
			for _, c := range l.Checks {
				if roots, ok := c.Evidence["root_blockers"].([]any); ok && c.ID == "db-primary/mysql/lock_waits" && len(roots) > 0 {
					blocker = roots[0].(float64)
				}
			}
		}
		return blocker > 0
	}, 60*time.Second, time.Second, "triage check names the lock wait and its blocker")

	id := strconv.FormatInt(int64(blocker), 10)
	out, code = l.triage(t, "act", "kill-session", "--config", l.config, "--component", "db-primary",
		"--thread", id, "--confirm", id, "--reason", "lab: the report holds the counter rows")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "KILL CONNECTION "+id)

	out, code = l.triage(t, "lab", "fault", "list", "--control", l.control)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "off lock-wait", "the kill cleared the fault")

	out, code = l.triage(t, "lab", "fault", "no-such", "--control", l.control)
	assert.Equal(t, 2, code, out)
	assert.Contains(t, out, "unknown fault")
}
