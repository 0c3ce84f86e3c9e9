package sshserve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/serve"
	"github.com/fivelayer/triage/tui"
)

// Defaults of Options.
const (
	DefaultMaxSessions = 16
	// DefaultIdleTimeout is a working day: a war-room wall nobody types on
	// stays up through an incident, and a session forgotten on a jump host
	// still gives its slot back (docs/serve.md).
	DefaultIdleTimeout = 12 * time.Hour
	// closeGrace is how long a session that was asked to end may take to
	// restore its terminal and say goodbye before its connection is closed
	// under it (a stalled client never reads the goodbye).
	closeGrace = 5 * time.Second
)

// Options configure a Server.
type Options struct {
	// AuthorizedKeys is the OpenSSH authorized_keys file; it is read again
	// at every login, so a key added or removed counts at once.
	AuthorizedKeys string
	// HostKey is the server's private key file, created on first start
	// (DefaultHostKeyPath when "").
	HostKey string
	// MaxSessions bounds the sessions open at once (DefaultMaxSessions when 0);
	// one more is refused with a message.
	MaxSessions int
	// IdleTimeout ends a session that sent no key for this long
	// (DefaultIdleTimeout when 0; the screen's own output does not count).
	IdleTimeout time.Duration

	Config  *config.Config
	Hub     *serve.Hub        // the one feed of snapshots
	Tracker *incident.Tracker // the one incident, fed by the hub's Live
	// Store is the incident store the tracker journals to: each screen's
	// header notice and "seen before" (nil: none).
	Store tui.IncidentStore
	// Guard is the one guard; each session acts through its own view
	// (Guard.For). nil: actions are listed as not available (the lab).
	Guard *remedy.Guard
	Mode  tui.Mode
	// Lab is the training estate's faults (Mode tui.Lab); only operators
	// switch them.
	Lab tui.LabControl
	// ReportDir is where "e" writes reports ("" the state directory).
	ReportDir string
	// Logf logs connections and refusals (never a secret); nil discards.
	Logf func(format string, args ...any)
	Now  func() time.Time
}

// Server serves the screen over SSH.
type Server struct {
	opts    Options
	hostFP  string // the host key's SHA256 fingerprint
	srv     *ssh.Server
	ln      net.Listener
	actions sync.WaitGroup // actions running in any session
	running sync.WaitGroup // session handlers not yet returned

	mu       sync.Mutex
	sessions map[*session]struct{}
	closing  bool
}

// New checks the options (the authorized keys parse, the host key loads or
// is created) and returns a server that is not yet listening.
func New(o Options) (*Server, error) {
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Hub == nil || o.Tracker == nil || o.Config == nil {
		return nil, errors.New("ssh: a hub, a tracker and a config are required")
	}
	if o.AuthorizedKeys == "" {
		return nil, errors.New("--ssh needs --authorized-keys FILE: public keys are the only way in")
	}
	if _, err := ParseAuthorizedKeys(o.AuthorizedKeys); err != nil {
		return nil, err
	}
	if o.HostKey == "" {
		p, err := DefaultHostKeyPath()
		if err != nil {
			return nil, fmt.Errorf("host key: %w (give --host-key FILE)", err)
		}
		o.HostKey = p
	}
	signer, created, err := HostKey(o.HostKey)
	if err != nil {
		return nil, err
	}
	if created {
		o.Logf("ssh: created host key %s (%s)", o.HostKey, fingerprint(signer.PublicKey()))
	}
	s := &Server{opts: o, sessions: map[*session]struct{}{}, hostFP: fingerprint(signer.PublicKey())}
	s.srv, err = wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		wish.WithPublicKeyAuth(s.authorize),
		ssh.EmulatePty(),
		ssh.WrapConn(func(ctx ssh.Context, c net.Conn) net.Conn { ctx.SetValue(connKey, c); return c }),
		// Listed innermost first: admit (outermost) → the program → goodbye.
		wish.WithMiddleware(s.goodbye, bm.MiddlewareWithProgramHandler(s.program, termenv.Ascii), s.admit),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	return s, nil
}

type ctxKey struct{ name string }

var (
	connKey    = &ctxKey{"conn"}
	keyKey     = &ctxKey{"authorized key"}
	sessionKey = &ctxKey{"session"}
)

// authorize accepts a key listed in the authorized keys file, remembering
// which entry it is; any other key, and every password, is refused.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	keys, err := ParseAuthorizedKeys(s.opts.AuthorizedKeys)
	if err != nil {
		s.opts.Logf("ssh: refusing %s from %s: %v", fingerprint(key), ctx.RemoteAddr(), err)
		return false
	}
	k, ok := find(keys, key)
	if !ok {
		s.opts.Logf("ssh: unknown key %s from %s refused", fingerprint(key), ctx.RemoteAddr())
		return false
	}
	ctx.SetValue(keyKey, k)
	return true
}

func fingerprint(k ssh.PublicKey) string {
	if k == nil {
		return "(no key)"
	}
	return gossh.FingerprintSHA256(k)
}

// HostKeyFingerprint is the host key's SHA256 fingerprint, for clients to
// check on their first connection.
func (s *Server) HostKeyFingerprint() string { return s.hostFP }

// Listen opens the listener on addr (host:port; port 0 picks one).
func (s *Server) Listen(addr string) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--ssh: %w", err)
	}
	s.ln = ln
	return ln.Addr(), nil
}

// Attach serves on a listener the caller opened (a socket handed over by
// the service manager, or one a test wraps) instead of Listen's.
func (s *Server) Attach(ln net.Listener) net.Addr {
	s.ln = ln
	return ln.Addr()
}

// Serve accepts sessions until Shutdown; it returns nil after a Shutdown.
func (s *Server) Serve() error {
	if s.ln == nil {
		return errors.New("ssh: Serve before Listen")
	}
	err := s.srv.Serve(s.ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Sessions is how many sessions are open.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Shutdown stops accepting, ends every session with a goodbye (each client
// sees it and exits), waits for them until ctx ends, then closes what is
// left (a stalled client) and waits for actions in flight to be recorded.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	open := make([]*session, 0, len(s.sessions))
	for ss := range s.sessions {
		open = append(open, ss)
	}
	s.mu.Unlock()
	for _, ss := range open {
		ss.end("triage is shutting down")
	}
	// Shutdown closes the listener and waits for the clients to hang up
	// after their goodbye; a stalled client's connection is closed by its
	// session's end after closeGrace, or here when ctx ends first.
	stopped := make(chan error, 1)
	go func() { stopped <- s.srv.Shutdown(ctx) }()
	var err error
	select {
	case err = <-stopped:
	case <-ctx.Done():
		_ = s.srv.Close()
		err = <-stopped
	}
	// The connections are gone; their handlers finish their goodbye (a
	// write to a closed channel fails at once) and leave the timeline.
	ended := make(chan struct{})
	go func() { s.running.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-ctx.Done():
		s.opts.Logf("ssh: %d session(s) had not ended at shutdown", s.Sessions())
	}
	done := make(chan struct{})
	go func() { s.actions.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.opts.Logf("ssh: an action was still running at shutdown; see the audit log")
	}
	if errors.Is(err, ssh.ErrServerClosed) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
