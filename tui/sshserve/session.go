package sshserve

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui"
)

// frameRate matches the local screen's (tui.Run): a key echoes within 1/15 s.
const frameRate = 15

// session is one SSH client's screen.
type session struct {
	srv       *Server
	who       remedy.Principal
	started   time.Time
	conn      net.Conn
	lastInput atomic.Int64 // unix nanoseconds of the last byte the client sent

	mu      sync.Mutex
	program *tea.Program
	reason  string // why the server ended it; "" when the client quit
	ended   chan struct{}
}

// admit is the outermost middleware: it bounds the number of sessions,
// registers the session, and puts its connect and disconnect on the
// timeline.
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		k, ok := sess.Context().Value(keyKey).(AuthorizedKey)
		if !ok { // authorize let it in, so this cannot happen; refuse all the same
			wish.Fatalln(sess, "triage: not authorized")
			return
		}
		ss := &session{srv: s, started: s.opts.Now(), ended: make(chan struct{}),
			who: remedy.Principal{Name: k.Name, Fingerprint: k.Fingerprint, Origin: sess.RemoteAddr().String(), Role: k.Role}}
		ss.conn, _ = sess.Context().Value(connKey).(net.Conn)
		ss.lastInput.Store(s.opts.Now().UnixNano())
		s.mu.Lock()
		switch {
		case s.closing:
			s.mu.Unlock()
			wish.Fatalln(sess, "triage is shutting down")
			return
		case len(s.sessions) >= s.opts.MaxSessions:
			s.mu.Unlock()
			s.opts.Logf("ssh: %s from %s refused: %d sessions open (--max-sessions)", ss.who.Describe(), ss.who.Origin, s.opts.MaxSessions)
			wish.Fatalln(sess, fmt.Sprintf("triage: %d sessions are open, the most this server takes (--max-sessions %d); try again later",
				s.opts.MaxSessions, s.opts.MaxSessions))
			return
		}
		s.sessions[ss] = struct{}{}
		s.running.Add(1)
		defer s.running.Done()
		n := len(s.sessions)
		s.mu.Unlock()
		sess.Context().SetValue(sessionKey, ss)
		s.event(ss, fmt.Sprintf("ssh: %s connected from %s (%d open)", ss.who.Describe(), ss.who.Origin, n))

		next(sess)

		close(ss.ended)
		s.mu.Lock()
		delete(s.sessions, ss)
		n = len(s.sessions)
		s.mu.Unlock()
		why := ss.endReason()
		if why == "" {
			why = "left"
		}
		s.event(ss, fmt.Sprintf("ssh: %s from %s disconnected after %s: %s (%d open)", ss.who.Describe(), ss.who.Origin,
			s.opts.Now().Sub(ss.started).Round(time.Second), why, n))
	}
}

// event puts a session's connect or disconnect on the shared timeline.
func (s *Server) event(ss *session, text string) {
	s.opts.Logf("%s", text)
	s.opts.Tracker.Record(incident.Event{Time: s.opts.Now(), Kind: incident.Note, Subject: "ssh/" + ss.who.Fingerprint, Text: text})
}

// program builds the session's Bubble Tea program: its own model on the
// shared tracker, the session's renderer, input counted for idleness.
func (s *Server) program(sess ssh.Session) *tea.Program {
	ss, ok := sess.Context().Value(sessionKey).(*session)
	if !ok {
		return nil
	}
	sub := s.opts.Hub.Subscribe()
	go func() { <-ss.ended; sub.Close() }()
	o := tui.Options{
		Config: s.opts.Config, Scheduler: sub, SchedulerStarted: true, Mode: s.opts.Mode, Now: s.opts.Now,
		Tracker: s.opts.Tracker, TrackerFed: true, Renderer: bm.MakeRenderer(sess), Role: string(ss.who.Role),
		Actions: &s.actions, ReportDir: s.opts.ReportDir, Store: s.opts.Store,
	}
	if s.opts.Guard != nil {
		o.Guard = s.opts.Guard.For(ss.who)
	}
	if s.opts.Lab != nil {
		o.Lab = s.opts.Lab
		if ss.who.Role != remedy.RoleOperator {
			o.Lab = viewerLab{s.opts.Lab}
		}
	}
	m := tui.NewSession(sess.Context(), o)
	p := tea.NewProgram(m, tea.WithInput(&activity{r: sess, last: &ss.lastInput, now: s.opts.Now}), tea.WithOutput(sess),
		tea.WithAltScreen(), tea.WithoutSignalHandler(), tea.WithFPS(frameRate))
	ss.mu.Lock()
	ss.program = p
	ss.mu.Unlock()
	go ss.watchIdle(s.opts.IdleTimeout)
	return p
}

// goodbye runs after the program ended and the terminal is restored: the
// client reads why, and its ssh exits with status 0.
func (s *Server) goodbye(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if ss, ok := sess.Context().Value(sessionKey).(*session); ok {
			msg := "triage: session closed, goodbye"
			if why := ss.endReason(); why != "" {
				msg = "triage: " + why + ", goodbye"
			}
			wish.Println(sess, msg)
		}
		_ = sess.Exit(0)
		next(sess)
	}
}

// end asks the session's program to stop and say why. A client that does
// not read (stopped, or its network gone) cannot be told: after closeGrace
// its connection is closed, which frees everything waiting on it.
func (ss *session) end(reason string) {
	ss.mu.Lock()
	if ss.reason == "" {
		ss.reason = reason
	}
	p := ss.program
	ss.mu.Unlock()
	if p != nil {
		go p.Quit() // blocks while the program is stuck writing to a stalled client
	}
	go func() {
		select {
		case <-ss.ended:
		case <-time.After(closeGrace):
			if ss.conn != nil {
				_ = ss.conn.Close()
			}
		}
	}()
}

func (ss *session) endReason() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.reason
}

// watchIdle ends the session once the client has sent nothing for limit.
// The screen's own output does not count: a war-room screen left open is
// idle, and its place is someone else's.
func (ss *session) watchIdle(limit time.Duration) {
	check := min(limit/4, time.Second)
	t := time.NewTicker(max(check, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ss.ended:
			return
		case <-t.C:
			idle := ss.srv.opts.Now().Sub(time.Unix(0, ss.lastInput.Load()))
			if idle >= limit {
				ss.end(fmt.Sprintf("idle for %s (--idle-timeout %s)", idle.Round(time.Second), limit))
				return
			}
		}
	}
}

// activity counts the client's input for the idle timeout.
type activity struct {
	r    io.Reader
	last *atomic.Int64
	now  func() time.Time
}

func (a *activity) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.last.Store(a.now().UnixNano())
	}
	return n, err
}

// viewerLab shows a viewer the faults and refuses to switch them: in the
// lab the operator injects, the viewers diagnose.
type viewerLab struct{ tui.LabControl }

func (viewerLab) Toggle(string) error {
	return fmt.Errorf("viewer: only an operator key injects or clears faults")
}

var _ tui.LabControl = viewerLab{}
