package sshserve_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/serve"
	"github.com/fivelayer/triage/tui"
	"github.com/fivelayer/triage/tui/sshserve"
)

// needTools skips (fails under CI=true) without the real OpenSSH client,
// ssh-keygen and tmux.
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.SkipOrFail(t, "%s is not installed (Debian: openssh-client, tmux): %v", tool, err)
		}
	}
}

// Names of the test's keys (their comments) and who they are.
const (
	opName      = "alice@ops"
	viewerName  = "bob@war-room"
	unknownName = "eve@nowhere"
)

// rig is one server on a free loopback port with its keys, its tracker and
// its own tmux server for the clients.
type rig struct {
	t       *testing.T
	dir     string
	keys    map[string]string // key comment → private key file
	srv     *sshserve.Server
	port    string
	tracker *incident.Tracker
	live    *serve.Live
	audit   string
	tmux    *testenv.Tmux // this test's own tmux server
}

// newKeys makes three ed25519 keys with ssh-keygen; the authorized_keys
// file lists the operator (marked) and the viewer, not the unknown key.
func newKeys(t *testing.T, dir string) (map[string]string, string) {
	t.Helper()
	keys := map[string]string{}
	for i, name := range []string{opName, viewerName, unknownName} {
		path := filepath.Join(dir, fmt.Sprintf("id_%d", i))
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path).CombinedOutput()
		require.NoError(t, err, "%s", out)
		keys[name] = path
	}
	pub := func(name string) string {
		b, err := os.ReadFile(keys[name] + ".pub")
		require.NoError(t, err)
		return strings.TrimSpace(string(b))
	}
	ak := filepath.Join(dir, "authorized_keys")
	require.NoError(t, os.WriteFile(ak, []byte("# the war room\n"+sshserve.RoleOption+" "+pub(opName)+"\n"+pub(viewerName)+"\n"), 0o600))
	return keys, ak
}

// startRig serves cfg; opt adjusts the server's options.
func startRig(t *testing.T, cfg *config.Config, opt func(*sshserve.Options)) *rig {
	t.Helper()
	return startRigOn(t, cfg, opt, nil)
}

// startRigOn is startRig on a listener that wrap may wrap.
func startRigOn(t *testing.T, cfg *config.Config, opt func(*sshserve.Options), wrap func(net.Listener) net.Listener) *rig {
	t.Helper()
	needTools(t)
	dir := t.TempDir()
	keys, ak := newKeys(t, dir)
	targets, errs := kinds.Targets(cfg)
	require.Empty(t, errs)
	s := probes.NewScheduler(targets, probes.Options{Interval: cfg.IntervalD()})
	t.Cleanup(s.Close)
	tracker := incident.NewTracker(cfg.Topology())
	live := serve.NewLive(cfg.Estate, tracker, nil)
	hub := serve.NewHub(s, live)
	ctx, cancel := context.WithCancel(context.Background())
	hubDone := make(chan struct{})
	go func() { defer close(hubDone); hub.Run(ctx) }()
	s.Start(ctx)
	audit := filepath.Join(dir, "audit.jsonl")
	o := sshserve.Options{
		AuthorizedKeys: ak, HostKey: filepath.Join(dir, "host_key"), Config: cfg, Hub: hub, Tracker: tracker,
		Guard: remedy.NewGuard(cfg, remedy.Options{AuditPath: audit, Reprobe: tui.SchedulerReprobe(s, 20*time.Second)}),
		Mode:  tui.Live, ReportDir: filepath.Join(dir, "reports"),
		Logf: func(format string, args ...any) { t.Logf(format, args...) },
	}
	if opt != nil {
		opt(&o)
	}
	srv, err := sshserve.New(o)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	if wrap != nil {
		ln = wrap(ln)
	}
	addr := srv.Attach(ln)
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	r := &rig{t: t, dir: dir, keys: keys, srv: srv, tracker: tracker, live: live, audit: audit, tmux: testenv.NewTmux(t)}
	_, r.port, _ = strings.Cut(addr.String(), ":")
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), grace.Scale(20*time.Second))
		defer scancel()
		_ = srv.Shutdown(sctx)
		<-served
		cancel()
		<-hubDone
	})
	return r
}

// sshArgs is the OpenSSH client's command line for key name.
func (r *rig) sshArgs(name string, extra ...string) []string {
	args := []string{"-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=" + filepath.Join(r.dir, "known_hosts"), "-o", "IdentitiesOnly=yes",
		"-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-p", r.port, "-i", r.keys[name]}
	return append(append(args, extra...), "127.0.0.1")
}

// client opens a tmux session (w×h) running ssh with key name; when ssh
// exits the pane says "ssh-exit=N" and stays.
func (r *rig) client(session, name string, w, h int, extra ...string) {
	r.t.Helper()
	cmd := "ssh -tt"
	for _, a := range r.sshArgs(name, extra...) {
		cmd += " '" + a + "'"
	}
	r.tmux.Start(session, w, h, cmd+`; echo ssh-exit=$?; sleep 600`)
}

func (r *rig) screen(session string) string        { return r.tmux.Screen(session) }
func (r *rig) send(session string, keys ...string) { r.t.Helper(); r.tmux.Send(session, keys...) }
func (r *rig) typeText(session, s string)          { r.t.Helper(); r.tmux.Type(session, s) }

// waitFor waits until the pane shows want and returns the screen.
func (r *rig) waitFor(session, want string) string {
	r.t.Helper()
	return r.tmux.WaitFor(session, want, grace.Scale(30*time.Second))
}

// sshPID is the pid of the ssh client this test started in the pane: the
// child of the pane's shell.
func (r *rig) sshPID(session string) int {
	r.t.Helper()
	sh := strconv.Itoa(r.tmux.PanePID(session))
	kids, err := os.ReadFile("/proc/" + sh + "/task/" + sh + "/children")
	require.NoError(r.t, err)
	for _, f := range strings.Fields(string(kids)) {
		comm, _ := os.ReadFile("/proc/" + f + "/comm")
		if strings.TrimSpace(string(comm)) == "ssh" {
			pid, err := strconv.Atoi(f)
			require.NoError(r.t, err)
			return pid
		}
	}
	r.t.Fatalf("no ssh process under the pane's shell %s", sh)
	return 0
}

func waitUntil(limit time.Duration, cond func() bool) bool {
	end := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// timelineHas reports whether an event's text contains every part.
func timelineHas(tr *incident.Tracker, parts ...string) bool {
	for _, e := range tr.Timeline() {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(e.Text, p)
		}
		if all {
			return true
		}
	}
	return false
}
