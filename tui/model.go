package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/dialog"
	"github.com/fivelayer/triage/tui/panes"
)

// Messages.
type (
	snapshotMsg  probes.Snapshot
	tickMsg      time.Time
	triggeredMsg struct{}
)

// statusFor is how long a status-line message stays.
const statusFor = 5 * time.Second

// Model is the root model. It is a value; the render cache behind a pointer
// is keyed by rev, which every visible change bumps.
type Model struct {
	ctx     *common.Context
	help    help.Model
	sched   Source
	sub     <-chan probes.Snapshot
	done    <-chan struct{}
	tracker *incident.Tracker
	fed     bool          // the tracker is fed by its owner; this screen reads it (Options.TrackerFed)
	seen    uint64        // the tracker's revision this screen shows (fed only)
	act     actions       // the guard and the action dialog (action.go)
	lab     labHooks      // fault panel, recorded events (lab.go)
	tracer  tracer        // the drill-down's path trace (trace.go)
	reports string        // where reports go; "" for the default (report.go)
	replay  ReplayControl // pause, step and jump in a replay (replay.go); nil otherwise
	store   IncidentStore // nil: no incident store
	notice  string        // the store's notice as last read (a header line when not "")
	// observer receives the operator's screen events (observe.go); nil otherwise.
	observer func(ScreenEvent)
	stop     <-chan struct{} // closed: quit (observe.go)

	width, height int
	stack         []child // the overlay stack (stack.go): the main grid at the bottom
	panes         [5]panes.Pane
	focus         int
	filter        string // applied filter, lower-case (filter.go)

	status      string
	statusUntil time.Time

	rev   int
	clock int // bumped by the clock tick alone: only the header and pane titles age
	cache *frame
}

// frame is the last rendered screen and the rev it shows.
type frame struct {
	rev     int
	clock   int
	s       string
	renders int // how many times View actually drew: the no-redraw test reads it
	// ticks counts the clock-only redraws (clock.go), which draw the header
	// and the pane titles over lines and titles kept from the last render.
	ticks  int
	lines  []string   // the last full render, unframed
	titles [][]string // the first line of each grid cell, by grid row and column
}

// New builds the root model. The first frame shows every check "probing…"
// at once: the scheduler's current snapshot is digested here.
func New(o Options) Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	cfg := o.Config
	if cfg == nil {
		cfg = &config.Config{}
	}
	m := Model{
		ctx: &common.Context{Config: cfg, Styles: common.StylesFor(o.Renderer), Mode: o.Mode, Now: o.Now, Guarded: o.Guard != nil,
			Keys: common.DefaultKeyMap(), Role: o.Role},
		act:     newActions(o.Guard, o.Actions),
		fed:     o.TrackerFed,
		help:    help.New(),
		sched:   o.Scheduler,
		tracker: o.Tracker,
		width:   80, height: 24, // until the terminal tells
		stack:    []child{mainChild{}},
		cache:    &frame{rev: -1},
		tracer:   newTracer(o.Trace),
		reports:  o.ReportDir,
		observer: o.Observer,
		stop:     o.Stop,
	}
	if m.tracker == nil {
		m.tracker = incident.NewTracker(cfg.Topology())
	}
	if o.Store != nil {
		m.store = o.Store
		m.ctx.SeenBefore = o.Store.SeenBefore
		m.notice = o.Store.Notice()
	}
	for i := range m.panes {
		m.panes[i].Layer = probes.Layer(i)
	}
	m.initLab(o)
	m.initReplay(o)
	var snap probes.Snapshot
	if o.Scheduler != nil {
		m.sub = o.Scheduler.Subscribe()
		snap = o.Scheduler.Snapshot()
	}
	m.applySnapshot(snap)
	m.ctx.Events = m.tracker.Timeline()
	m.clampAll()
	return m
}

// Init starts listening to the scheduler and the clock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.waitSnapshot(), tick(), m.waitEvent(), m.waitStop())
}

// waitSnapshot waits for the next snapshot; it is re-armed after each one.
func (m Model) waitSnapshot() tea.Cmd {
	if m.sub == nil {
		return nil
	}
	sub, done := m.sub, m.done
	return func() tea.Msg {
		select {
		case s := <-sub:
			return snapshotMsg(s)
		case <-done:
			return nil
		}
	}
}

// tick fires on each wall-clock second: the clock, the SLA countdown and
// the ages of the panes are the only periodic redraw.
func tick() tea.Cmd {
	return tea.Every(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update routes a message to its handler; keys go to the top child of the
// overlay stack or the global keys (handleKey, stack.go).
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m.handleKeys(msg)
	case snapshotMsg:
		m.handleSnapshot(probes.Snapshot(msg))
		return m, m.waitSnapshot()
	case tickMsg:
		m.handleTick()
		return m, tick()
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = m.layout().w
		m.clampAll()
		m.rev++
	case dialog.Msg:
		return m.handleDialogMsg(msg)
	case faultToggledMsg:
		return m.handleFaultToggled(msg)
	case traceDoneMsg:
		m.handleTraceDone(msg)
	case reportWrittenMsg:
		return m.handleReportWritten(msg)
	case eventMsg:
		m.recordEvent(incident.Event(msg), false)
		return m, m.waitEvent()
	case triggeredMsg:
		m.setStatus("probe round requested")
	case stopMsg:
		return m, tea.Quit
	}
	return m, nil
}

// handleSnapshot digests a snapshot and grades it. The estate is rebuilt
// every time (result times move), but the screen is redrawn only when the
// fingerprint or the grading changed.
func (m *Model) handleSnapshot(snap probes.Snapshot) {
	old, oldState := m.ctx.Estate, m.ctx.State
	m.applySnapshot(snap)
	st := m.ctx.State
	if m.fed {
		if !m.followTracker() && (old == nil || old.Fingerprint != m.ctx.Estate.Fingerprint) {
			m.clampAll()
			m.rev++
		}
		return
	}
	if old == nil || old.Fingerprint != m.ctx.Estate.Fingerprint || st.Grade != oldState.Grade ||
		st.Reason != oldState.Reason || !st.Deadline.Equal(oldState.Deadline) || len(st.Pending) != len(oldState.Pending) {
		m.ctx.Events = m.tracker.Timeline()
		m.clampAll()
		m.rev++
	}
}

func (m *Model) applySnapshot(snap probes.Snapshot) {
	now := m.ctx.Now()
	m.ctx.Estate = common.Build(snap, now)
	if m.fed {
		m.ctx.State = m.tracker.Last()
		return
	}
	m.ctx.State = m.tracker.Update(snap.Results(), now)
}

// followTracker redraws a screen that reads a tracker another owner feeds
// when the tracker moved: an event, a guide answer or a round graded for
// every session. It reports whether it did.
func (m *Model) followTracker() bool {
	if !m.fed || m.tracker.Revision() == m.seen {
		return false
	}
	m.seen = m.tracker.Revision()
	m.ctx.State = m.tracker.Last()
	m.ctx.Events = m.tracker.Timeline()
	m.clampAll()
	m.rev++
	return true
}

// handleTick redraws for the clock and re-digests a running round, whose
// checks get their in-flight mark once they are slow. Only passing time is a
// clock redraw (header and pane titles); a changed mark or status is a full one.
func (m *Model) handleTick() {
	m.followTracker()
	m.followFaults()
	if e := m.ctx.Estate; e.Snap.Running && common.Fingerprint(e.Snap, m.ctx.Now()) != e.Fingerprint {
		m.ctx.Estate = common.Build(e.Snap, m.ctx.Now())
		m.rev++
	}
	if m.status != "" && m.ctx.Now().After(m.statusUntil) {
		m.status = ""
		m.rev++
	}
	if m.store != nil {
		if n := m.store.Notice(); n != m.notice { // a write failed, say: a header line more
			m.notice = n
			m.clampAll()
			m.rev++
		}
	}
	m.clock++
}

func (m *Model) setStatus(s string) {
	m.status, m.statusUntil = s, m.ctx.Now().Add(statusFor)
	m.rev++
}

// clampAll keeps every pane's selection valid and visible.
func (m *Model) clampAll() {
	l := m.layout()
	for i := range m.panes {
		m.panes[i].Clamp(m.ctx.Estate, m.filter, l.bodyH(i))
	}
}

// selected is the check under the cursor of the focused pane.
func (m Model) selected() *common.Item {
	return m.panes[m.focus].Selected(m.ctx.Estate, m.filter)
}

// component is what K/R/S, p and T act on: the drilled (or traced, or
// path-viewed) component, or the selected check's.
func (m Model) component() string {
	for i := len(m.stack) - 1; i >= 0; i-- {
		switch c := m.stack[i].(type) {
		case drillChild:
			return c.d.Component()
		case traceChild:
			return c.t.Component()
		case scrollChild:
			if c.k == viewPath {
				return c.comp
			}
		}
	}
	if it := m.selected(); it != nil {
		return it.Component
	}
	return ""
}
