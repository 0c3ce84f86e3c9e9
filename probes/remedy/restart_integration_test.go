package remedy

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/kinds"
)

// svcScript restarts a throwaway TCP service: it stops the process in the
// pid file, starts a new one on the port and records its arguments.
const svcScript = `#!/bin/sh
dir=$(dirname "$0")
if [ -f "$dir/svc.pid" ]; then kill "$(cat "$dir/svc.pid")" 2>/dev/null; sleep 0.2; fi
printf '%s\n' "$@" > "$dir/args"
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c,_=s.accept(); c.close()' "$PORT" >/dev/null 2>&1 &
echo $! > "$dir/svc.pid"
echo "restarted svc on $PORT"
echo "a warning" >&2
`

type svc struct {
	dir, script string
	port        int
}

func newSvc(t *testing.T) *svc {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		testenv.SkipOrFail(t, "python3 is needed for the throwaway service")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	dir := t.TempDir()
	s := &svc{dir: dir, script: filepath.Join(dir, "restart-svc"), port: port}
	require.NoError(t, os.WriteFile(s.script, []byte(svcScript), 0o755))
	t.Setenv("PORT", strconv.Itoa(port))
	t.Cleanup(func() {
		if b, err := os.ReadFile(filepath.Join(dir, "svc.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}
	})
	return s
}

func (s *svc) config(cooldown time.Duration) *config.Config {
	return &config.Config{Components: []config.Component{{
		Name:   "api",
		Probes: []probes.Spec{{Kind: "tcp", Address: fmt.Sprintf("127.0.0.1:%d", s.port), Component: "api"}},
		Actions: config.Actions{Restart: &config.Restart{
			Argv: []string{s.script, "two words", "it's"}, Env: []string{"PORT"}, Cooldown: probes.Duration(cooldown)}},
	}}}
}

func TestRestartThrowawayService(t *testing.T) {
	s := newSvc(t)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	cfg := s.config(time.Minute)
	// What `triage act` verifies with: one round of the component's real tcp probe.
	g := NewGuard(cfg, Options{AuditPath: audit, VerifyTimeout: 10 * time.Second, Reprobe: kinds.Reprobe(cfg)})
	ctx := context.Background()

	plan, err := g.Preview(ctx, Request{Action: Restart, Component: "api", Reason: "down"})
	require.NoError(t, err)
	require.NoError(t, plan.Refusal)
	assert.Equal(t, "api", plan.ConfirmWord)
	assert.Equal(t, []string{s.script + " 'two words' 'it'\\''s'"}, plan.Commands)
	assert.True(t, strings.HasPrefix(plan.Before, "crit"), "the service is down before: %s", plan.Before)

	out, err := g.Execute(ctx, plan, "api", "")
	require.NoError(t, err)
	assert.Equal(t, ResultDone, out.Result)
	assert.True(t, out.Verified, out.Verification)
	t.Logf("verification: %s", out.Verification)
	args, err := os.ReadFile(filepath.Join(s.dir, "args"))
	require.NoError(t, err)
	assert.Equal(t, "two words\nit's\n", string(args), "argv arrives intact, no shell in between")
	assert.Contains(t, out.Output, "restarted svc on")
	assert.Contains(t, out.Output, "stderr: a warning")

	recs, _, err := ReadAudit(audit)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Contains(t, recs[1].Output, "restarted svc on")

	// Cooldown: refused now, also by a new guard (a restarted triage) on
	// the same audit log; allowed once the cooldown has passed.
	for _, g := range []*Guard{g, NewGuard(cfg, Options{AuditPath: audit})} {
		plan, err := g.Preview(ctx, Request{Action: Restart, Component: "api"})
		require.NoError(t, err)
		require.ErrorIs(t, plan.Refusal, ErrCooldown)
		_, err = g.Execute(ctx, plan, "api", "")
		require.ErrorIs(t, err, ErrCooldown)
	}
	later := NewGuard(cfg, Options{AuditPath: audit, Now: func() time.Time { return time.Now().Add(2 * time.Minute) }})
	plan, err = later.Preview(ctx, Request{Action: Restart, Component: "api", DryRun: true})
	require.NoError(t, err)
	require.NoError(t, plan.Refusal)
}

func TestRestartRefusedWhenTheCommandChanged(t *testing.T) {
	tests := []struct {
		name    string
		change  func(script string)
		wantErr error
	}{
		{name: "script replaced", change: func(p string) {
			require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\ntouch \"$(dirname \"$0\")/ran\"\n# longer\n"), 0o755))
		}, wantErr: ErrStale},
		{name: "script removed", change: func(p string) { require.NoError(t, os.Remove(p)) }, wantErr: ErrPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSvc(t)
			g := NewGuard(s.config(0), Options{AuditPath: filepath.Join(t.TempDir(), "a.jsonl"),
				Reprobe: func(context.Context, string) (probes.Status, string) { return probes.OK, "" }})
			plan, err := g.Preview(context.Background(), Request{Action: Restart, Component: "api"})
			require.NoError(t, err)
			require.NoError(t, plan.Refusal)
			tt.change(s.script)
			_, err = g.Execute(context.Background(), plan, "api", "")
			require.ErrorIs(t, err, tt.wantErr)
			assert.NoFileExists(t, filepath.Join(s.dir, "ran"))
			assert.NoFileExists(t, filepath.Join(s.dir, "args"))
		})
	}
}

func TestRestartTimeoutKillsTheProcessGroup(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "hang")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho started\nsleep 30 &\necho $! > \""+dir+"/child\"\nwait\n"), 0o755))
	cfg := &config.Config{Components: []config.Component{{Name: "api",
		Actions: config.Actions{Restart: &config.Restart{Argv: []string{script}, Timeout: probes.Duration(time.Second)}}}}}
	g := NewGuard(cfg, Options{AuditPath: filepath.Join(dir, "a.jsonl"),
		Reprobe: func(context.Context, string) (probes.Status, string) { return probes.OK, "" }})
	plan, err := g.Preview(context.Background(), Request{Action: Restart, Component: "api"})
	require.NoError(t, err)
	start := time.Now()
	out, err := g.Execute(context.Background(), plan, "api", "")
	require.ErrorIs(t, err, ErrFailed)
	// The script's child sleeps 30 s: returning at the timeout shows the
	// whole process group was killed, not only the shell.
	grace.Within(t, time.Since(start), time.Second, "a hanging restart command")
	assert.Equal(t, ResultFailed, out.Result)
	assert.Equal(t, 2, out.ExitCode())
	assert.Contains(t, out.Steps[0].Error, "timed out after 1s")
	assert.Contains(t, out.Output, "started")
	b, err := os.ReadFile(filepath.Join(dir, "child"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	assert.Eventually(t, func() bool { return !running(pid) }, 2*time.Second, 50*time.Millisecond,
		"the script's child was killed with its process group")
}

// running reports whether pid is a live process: not gone and not a zombie
// (an orphan killed with its group waits for init to reap it).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

func TestRestartThroughSSHKeepsArgv(t *testing.T) {
	// A stand-in ssh on PATH: it checks the options, then does what sshd
	// does with the command: hands the joined words to a shell.
	bin := t.TempDir()
	fake := `#!/bin/sh
[ "$1" = -o ] && [ "$2" = BatchMode=yes ] || { echo "no BatchMode" >&2; exit 9; }
while [ "$1" != -- ]; do shift; done
shift; echo "host=$1" ; shift
exec sh -c "$*"
`
	require.NoError(t, os.WriteFile(filepath.Join(bin, "ssh"), []byte(fake), 0o755))
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	out := filepath.Join(t.TempDir(), "args")
	cfg := &config.Config{Components: []config.Component{{Name: "api", Actions: config.Actions{Restart: &config.Restart{
		SSH: "ops@10.0.0.1", Argv: []string{"sh", "-c", `printf '%s|' "$@" > ` + out, "x", "a b", "c'd", "$HOME"}}}}}}
	g := NewGuard(cfg, Options{AuditPath: filepath.Join(t.TempDir(), "a.jsonl"),
		Reprobe: func(context.Context, string) (probes.Status, string) { return probes.OK, "" }})
	plan, err := g.Preview(context.Background(), Request{Action: Restart, Component: "api"})
	require.NoError(t, err)
	assert.Equal(t, "api @ ops@10.0.0.1", plan.Target)
	assert.True(t, strings.HasPrefix(plan.Commands[0], "ssh -o BatchMode=yes -o ConnectTimeout=10 -- ops@10.0.0.1 sh -c "), plan.Commands[0])
	res, err := g.Execute(context.Background(), plan, "api", "")
	require.NoError(t, err, res.Output)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "a b|c'd|$HOME|", string(b))
	assert.Contains(t, res.Output, "host=ops@10.0.0.1")
}
