package sshserve_test

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/sshserve"
)

// refusedEstate is one core component whose port refuses: red.
func refusedEstate(t *testing.T) *config.Config {
	return &config.Config{Estate: "war-room", Environment: "test", Interval: probes.Duration(500 * time.Millisecond),
		Core:       []string{"api"},
		Components: []config.Component{{Name: "api", Probes: []probes.Spec{{Kind: "tcp", Address: testenv.Refused(t), Component: "api"}}}}}
}

var clock = regexp.MustCompile(`\d\d:\d\d:\d\d\s*$`)

// headerClock is the clock at the end of the screen's first line.
func headerClock(screen string) string {
	first, _, _ := strings.Cut(screen, "\n")
	return clock.FindString(strings.TrimRight(first, " "))
}

// TestSessionsShareOneIncident: two real OpenSSH clients in tmux see the same
// estate and grade, navigate on their own, share the guide's answers and the
// timeline; a stopped client slows neither the other nor the scheduler; a
// shutdown says goodbye to both and their ssh exits 0.
func TestSessionsShareOneIncident(t *testing.T) {
	r := startRig(t, refusedEstate(t), nil)
	r.client("op", opName, 120, 36)
	r.client("view", viewerName, 80, 24)

	a := r.waitFor("op", "RED system down")
	b := r.waitFor("view", "RED system down")
	assert.Contains(t, a, "war-room")
	assert.Contains(t, b, "war-room")
	assert.Contains(t, a, "LIVE operator")
	assert.Contains(t, b, "LIVE viewer")
	width := func(screen string) int {
		first, _, _ := strings.Cut(screen, "\n")
		return utf8.RuneCountInString(first)
	}
	assert.Equal(t, 120, width(a), "each session is drawn at its own terminal's size")
	assert.Equal(t, 80, width(b))
	require.True(t, waitUntil(grace.Scale(10*time.Second), func() bool {
		return timelineHas(r.tracker, "ssh: operator alice@ops (SHA256:", "connected from 127.0.0.1:") &&
			timelineHas(r.tracker, "ssh: viewer bob@war-room (SHA256:", "connected from 127.0.0.1:")
	}), "connects are on the timeline")

	// Each navigates on its own: the viewer drills down, the operator stays.
	r.send("view", "Enter")
	r.waitFor("view", "▶ api core")
	a = r.screen("op")
	assert.Contains(t, a, "NETWORK", "the operator's main view is unchanged")
	assert.NotContains(t, a, "▶ api core")

	// A guide answer given in one session is the other's too.
	r.send("op", "g", "n")
	require.True(t, waitUntil(grace.Scale(10*time.Second), func() bool { return len(r.tracker.Overrides()) == 1 }),
		"the operator's answer reaches the one tracker")
	// esc alone, then t: sent together over a loaded link they read as alt+t
	r.send("view", "Escape")
	r.waitFor("view", "NETWORK")
	r.send("view", "t")
	r.waitFor("view", `network layer ok?" overridden by`)

	// SIGSTOP the operator's ssh: the viewer keeps updating and the
	// scheduler keeps its rounds.
	pid := r.sshPID("op")
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	stopped := true
	defer func() {
		if stopped {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}()
	round := r.live.Current().Round
	r.send("view", "Escape")
	before := headerClock(r.waitFor("view", "RED system down"))
	require.NotEmpty(t, before)
	require.True(t, waitUntil(grace.Scale(20*time.Second), func() bool {
		return r.live.Current().Round >= round+4
	}), "rounds went on while a client was stopped (round %d → %d)", round, r.live.Current().Round)
	require.True(t, waitUntil(grace.Scale(10*time.Second), func() bool {
		c := headerClock(r.screen("view"))
		return c != "" && c != before
	}), "the viewer's screen kept updating")
	require.NoError(t, syscall.Kill(pid, syscall.SIGCONT))
	stopped = false
	after := headerClock(r.screen("op"))
	require.True(t, waitUntil(grace.Scale(10*time.Second), func() bool {
		c := headerClock(r.screen("op"))
		return c != "" && c != after
	}), "the resumed client catches up")

	// Shutdown: both clients read the goodbye and their ssh exits 0.
	ctx, cancel := context.WithTimeout(context.Background(), grace.Scale(20*time.Second))
	defer cancel()
	require.NoError(t, r.srv.Shutdown(ctx))
	for _, s := range []string{"op", "view"} {
		scr := r.waitFor(s, "ssh-exit=")
		assert.Contains(t, scr, "triage: triage is shutting down, goodbye", s)
		assert.Contains(t, scr, "ssh-exit=0", s)
	}
	assert.True(t, timelineHas(r.tracker, "ssh: viewer bob@war-room", "disconnected after", "triage is shutting down"))
}

// sgrColour matches a colour in a select-graphic-rendition sequence as tmux
// writes it (30-37, 90-97, 38;5;N): attributes such as bold are not colours.
var sgrColour = regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;5;\d+)(?:;[0-9;]*)?m`)

// TestEachSessionItsOwnColours: the colour profile is each client's own:
// one that sends NO_COLOR gets glyphs and words only, the other colours.
func TestEachSessionItsOwnColours(t *testing.T) {
	r := startRig(t, refusedEstate(t), nil)
	r.client("colour", viewerName, 80, 24)
	r.client("plain", viewerName, 80, 24, "-o", "SetEnv=NO_COLOR=1")
	r.waitFor("colour", "RED system down")
	r.waitFor("plain", "RED system down")
	assert.Regexp(t, sgrColour, r.tmux.ScreenANSI("colour"), "the grade is drawn in its colour")
	plain := r.tmux.ScreenANSI("plain")
	assert.NotRegexp(t, sgrColour, plain, "NO_COLOR: no colour at all")
	assert.Contains(t, plain, "✖ crit", "status is never colour alone")
}

// TestUnknownKeyIsRefused: a key not in authorized_keys, and a password,
// get nothing.
func TestUnknownKeyIsRefused(t *testing.T) {
	r := startRig(t, refusedEstate(t), nil)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"unknown key", r.sshArgs(unknownName)},
		{"password", r.sshArgs(unknownName, "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("ssh", append([]string{"-T"}, append(tc.args, "true")...)...)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%s", out)
			assert.Equal(t, 255, ee.ExitCode())
			assert.Contains(t, string(out), "Permission denied")
		})
	}
	assert.Zero(t, r.srv.Sessions())
	assert.False(t, timelineHas(r.tracker, "eve@nowhere"), "a refused key never reaches the timeline")
}

// TestSessionLimits: one session more than --max-sessions is refused with a
// message; a session that sends nothing for --idle-timeout is ended with a
// goodbye.
func TestSessionLimits(t *testing.T) {
	const idle = 3 * time.Second
	r := startRig(t, refusedEstate(t), func(o *sshserve.Options) { o.MaxSessions, o.IdleTimeout = 1, idle })
	r.client("first", viewerName, 80, 24)
	r.waitFor("first", "RED system down")
	start := time.Now()

	out, err := exec.Command("ssh", append([]string{"-tt"}, r.sshArgs(opName)...)...).CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	assert.Contains(t, string(out), "1 sessions are open, the most this server takes (--max-sessions 1)")
	assert.Equal(t, 1, r.srv.Sessions())

	scr := r.waitFor("first", "ssh-exit=")
	took := time.Since(start)
	assert.Contains(t, scr, "idle for")
	assert.Contains(t, scr, "goodbye")
	assert.Contains(t, scr, "ssh-exit=0")
	grace.Within(t, took, idle+time.Second, "the idle session's end") // checked every second at most
	assert.True(t, timelineHas(r.tracker, "ssh: viewer bob@war-room", "disconnected", "idle for"))
}

// stallListener hands out connections whose writes can be made to block,
// as a client that stopped reading makes them block once the socket's
// buffers are full, until the connection is closed.
type stallListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*stallConn
}

type stallConn struct {
	net.Conn
	stall  atomic.Bool
	closed chan struct{}
	once   sync.Once
	held   atomic.Int32 // writes blocked now
}

func (l *stallListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := &stallConn{Conn: c, closed: make(chan struct{})}
	l.mu.Lock()
	l.conns = append(l.conns, sc)
	l.mu.Unlock()
	return sc, nil
}

func (l *stallListener) conn(i int) *stallConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i < len(l.conns) {
		return l.conns[i]
	}
	return nil
}

func (c *stallConn) Write(p []byte) (int, error) {
	if c.stall.Load() {
		c.held.Add(1)
		defer c.held.Add(-1)
		<-c.closed
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

func (c *stallConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// TestDeadClientHoldsUpNothing: one session's connection stops taking
// writes (a dead client whose socket buffers are full). The other session
// keeps updating, the rounds go on, and a shutdown still ends everything:
// the dead connection is closed under its session after the grace.
func TestDeadClientHoldsUpNothing(t *testing.T) {
	var sl *stallListener
	r := startRigOn(t, refusedEstate(t), nil, func(ln net.Listener) net.Listener { sl = &stallListener{Listener: ln}; return sl })
	r.client("dead", viewerName, 120, 36)
	r.waitFor("dead", "RED system down")
	dead := sl.conn(0)
	require.NotNil(t, dead)
	r.client("live", opName, 80, 24)
	r.waitFor("live", "RED system down")

	dead.stall.Store(true)
	require.True(t, waitUntil(grace.Scale(10*time.Second), func() bool { return dead.held.Load() > 0 }),
		"the server writes to the dead client (its clock) and blocks there")
	round := r.live.Current().Round
	before := headerClock(r.screen("live"))
	require.True(t, waitUntil(grace.Scale(20*time.Second), func() bool { return r.live.Current().Round >= round+4 }),
		"rounds go on while a session's writes block")
	require.True(t, waitUntil(grace.Scale(10*time.Second), func() bool {
		c := headerClock(r.screen("live"))
		return c != "" && c != before
	}), "the other session keeps updating")
	r.send("live", "t")
	r.waitFor("live", "timeline (newest first)")

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), grace.Scale(30*time.Second))
	defer cancel()
	require.NoError(t, r.srv.Shutdown(ctx))
	grace.Within(t, time.Since(start), 5*time.Second, "shutdown with a dead client (its connection closed after the grace)")
	scr := r.waitFor("live", "ssh-exit=")
	assert.Contains(t, scr, "goodbye")
	assert.Contains(t, scr, "ssh-exit=0")
	assert.Zero(t, r.srv.Sessions())
}
