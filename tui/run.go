package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui/common"
)

// Mode is how the screen was started (LIVE, READ-ONLY, LAB, REPLAY).
type Mode = common.Mode

// Modes.
const (
	Live     = common.Live
	ReadOnly = common.ReadOnly
	Lab      = common.Lab
	Replay   = common.Replay
)

// Options configures the screen.
type Options struct {
	Config *config.Config
	// Scheduler feeds the screen (*probes.Scheduler, or a replay player);
	// Run starts it (unless SchedulerStarted) when it has Start(ctx), and the
	// screen subscribes to it and triggers rounds on "r".
	Scheduler Source
	// SchedulerStarted tells Run the caller already runs Scheduler.Start.
	SchedulerStarted bool
	Mode             Mode
	LogPath          string           // where logs go (never the screen); "" discards them
	Now              func() time.Time // clock; time.Now when nil
	// Guard runs the actions (K, Q, R, S, F); nil: they are listed as
	// "not available: no guard" (tests, replay).
	// Tracker is the incident this screen shows; nil: the screen makes its
	// own. A tracker handed in may be resumed from the incident store or
	// shared with other screens; it is safe for concurrent use.
	Tracker *incident.Tracker
	Guard   *remedy.Guard
	// Lab switches the training estate's faults (LAB mode: key f).
	Lab LabControl
	// OnEvent receives every event the screen adds to the timeline from
	// outside the probes (a fault toggled, an action): the session recorder.
	OnEvent func(incident.Event)
	// Events are recorded events to put on the timeline as they arrive (replay).
	Events <-chan incident.Event
	// Trace traces the path to a host for the drill-down (T); network.Trace
	// when nil.
	Trace TraceFunc
	// ReportDir is where "e" writes incident reports; when "" it is the
	// state directory (safety.StateDir: $XDG_STATE_HOME/triage, else
	// ~/.local/state/triage).
	ReportDir string
	// Observer receives what the operator does on the screen (drill-downs
	// opened, the guide used, actions requested and their outcomes): a
	// drill scores them (docs/drills.md). It is called from Update and must
	// return at once; nil: nobody watches.
	Observer func(ScreenEvent)
	// Stop, when closed, quits the screen as q does: the terminal's input
	// is handed back whole (a drill that ended closes its screen this way;
	// cancelling Run's context instead can leave a read in flight that takes
	// the next key typed). nil: only the operator quits.
	Stop <-chan struct{}
	// Store is the incident store Tracker journals to (docs/incidents.md):
	// the header shows its notice (read-only, a corrupt file moved aside,
	// writes failing) and the drill-down its "seen before"; nil: none.
	Store IncidentStore
	// TrackerFed says Tracker is fed by its owner (`triage serve` grades
	// each round once for every session): the screen reads its state
	// (Tracker.Last) and redraws when it moved, instead of feeding it.
	TrackerFed bool
	// Renderer draws this screen's colours: an SSH session's own (its
	// terminal's colour profile); nil: the process's default renderer.
	Renderer *lipgloss.Renderer
	// Role is who watches this screen over SSH ("viewer" or "operator"),
	// shown in the header; a viewer's actions are listed as not available
	// (the guard refuses them in any case). "" on the local screen.
	Role string
	// Actions, when set, counts the actions this screen has running, so
	// that whoever runs the program (an SSH server) can wait for their
	// outcomes to reach the audit log before it exits.
	Actions *sync.WaitGroup
}

// IncidentStore is what the screen reads of the incident store
// (*store.Store). Both methods read memory only: they are called while
// drawing.
type IncidentStore interface {
	// Notice is a standing warning for the header, "" when all is well.
	Notice() string
	// SeenBefore is the estate's closed incidents whose root cause was checkID.
	SeenBefore(checkID string) []incident.Past
}

// frameRate is how often the renderer looks for a changed frame. Bubble
// Tea's default of 60 wakes an idle screen sixty times a second, which on
// its own costs more than htop's whole refresh; a key still echoes within
// 1/15 s, and the screen changes at most once a second when nobody types.
const frameRate = 15

// Run runs the screen full-screen (alternate screen) until the user quits,
// SIGHUP, SIGTERM or SIGINT arrives, or ctx is done; in each case the
// terminal is restored and Run returns nil. It honours NO_COLOR.
func Run(ctx context.Context, o Options) error {
	restore, err := setupLog(o.LogPath)
	if err != nil {
		return err
	}
	defer restore()
	if termenv.EnvNoColor() {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	// SIGHUP: the SSH session dropped; SIGTERM: asked to stop; SIGINT: ^C
	// when stdin is not a terminal. Each cancels the program's context, which
	// makes Bubble Tea restore the terminal. Bubble Tea's own handler is off:
	// it would race this one for SIGTERM and, losing, block its shutdown.
	sigCtx, stop := signal.NotifyContext(ctx, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	runCtx, cancel := context.WithCancel(sigCtx)
	defer cancel()
	if st, ok := o.Scheduler.(interface{ Start(context.Context) }); ok && !o.SchedulerStarted {
		st.Start(runCtx)
	}
	m := NewSession(runCtx, o)
	log.Printf("tui: start mode=%s checks=%d", o.Mode, len(m.ctx.Estate.Items))
	_, err = tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(sigCtx), tea.WithoutSignalHandler(),
		tea.WithFPS(frameRate)).Run()
	cancel()                     // an action still running (hang-up) stops at its step…
	m.act.wait(10 * time.Second) // …and its outcome reaches the audit log before we exit
	switch {
	case err == nil:
		log.Printf("tui: quit")
		return nil
	case errors.Is(err, tea.ErrProgramKilled) && sigCtx.Err() != nil:
		log.Printf("tui: stopped: %v", context.Cause(sigCtx))
		return nil
	}
	return fmt.Errorf("screen: %w", err)
}

// NewSession is the model of a screen whose program the caller runs (an
// SSH session's): ctx ending stops its waits and the I/O of its actions.
func NewSession(ctx context.Context, o Options) Model {
	m := New(o)
	m.done = ctx.Done()
	m.act.ctx = ctx
	return m
}

// setupLog sends the log package to path (appending) or discards it, and
// returns how to put it back.
func setupLog(path string) (func(), error) {
	prev, flags := log.Writer(), log.Flags()
	var w io.Writer = io.Discard
	var f *os.File
	if path != "" {
		var err error
		f, err = os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open log %s: %w", path, err)
		}
		w = f
	}
	log.SetOutput(w)
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	return func() {
		log.SetOutput(prev)
		log.SetFlags(flags)
		if f != nil {
			_ = f.Close()
		}
	}, nil
}
