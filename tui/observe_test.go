package tui

import (
	"context"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

// screenLog collects the observer's events.
type screenLog struct {
	mu sync.Mutex
	es []ScreenEvent
}

func (l *screenLog) add(e ScreenEvent) { l.mu.Lock(); l.es = append(l.es, e); l.mu.Unlock() }

func (l *screenLog) kinds() []ScreenEventKind {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]ScreenEventKind, len(l.es))
	for i, e := range l.es {
		out[i] = e.Kind
	}
	return out
}

func (l *screenLog) last() ScreenEvent { l.mu.Lock(); defer l.mu.Unlock(); return l.es[len(l.es)-1] }

func TestObserverSeesTheTraineesSteps(t *testing.T) {
	cfg := actionConfig()
	ck := &fixture.Clock{T: fixture.T0}
	r := &countingRunner{}
	g := remedy.NewGuard(cfg, remedy.Options{AuditPath: t.TempDir() + "/audit.jsonl", Runner: r, Operator: "tester", Origin: "-", Host: "h",
		Reprobe: func(context.Context, string) (probes.Status, string) { return probes.OK, "all ok" }})
	log := &screenLog{}
	m := New(Options{Config: cfg, Mode: Lab, Now: ck.Now, Guard: g, Observer: log.add})
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 48})
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 1, true)))
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T.Add(incidentAge), 2, false)))
	require.Empty(t, log.kinds(), "rounds arriving are not the operator's doing")

	m, _ = press(t, m, drillDB...)
	require.Equal(t, []ScreenEventKind{ScreenDrillDown}, log.kinds())
	assert.Equal(t, "db-primary", log.last().Component)
	assert.Equal(t, fixture.T0, log.last().Time, "stamped with the screen's clock")

	m, _ = press(t, m, "esc", "g")
	assert.Equal(t, ScreenGuideOpened, log.last().Kind)
	m, _ = press(t, m, "n")
	assert.Equal(t, ScreenGuideAnswered, log.last().Kind)
	assert.Contains(t, log.last().Text, "overridden by operator: no")
	m, _ = press(t, m, "u", "g") // taking an answer back and closing the guide are not hints
	assert.Len(t, log.kinds(), 3)

	m, _ = press(t, m, "esc", "shift+tab", "enter") // from the data pane to the application pane: invoice-api
	assert.Equal(t, ScreenDrillDown, log.last().Kind)
	assert.Equal(t, "invoice-api", log.last().Component)
	m, cmd := press(t, m, "R")
	assert.Equal(t, ScreenActionRequested, log.last().Kind)
	assert.Equal(t, remedy.Restart, log.last().Action)
	assert.Equal(t, "invoice-api", log.last().Component)
	m = deliver(t, m, cmd)

	m, cmd = press(t, m, "tab", "n", "g", "i", "n", "x", "enter")
	m = deliver(t, m, cmd)
	e := log.last()
	assert.Equal(t, ScreenActionOutcome, e.Kind)
	assert.Equal(t, remedy.ResultRefused, e.Result)
	assert.True(t, e.Retry, "a mistyped word confirms nothing")
	assert.Equal(t, 0, r.count())

	m, cmd = press(t, m, "ctrl+u", "i", "n", "v", "o", "i", "c", "e", "-", "a", "p", "i", "enter")
	_ = deliver(t, m, cmd)
	e = log.last()
	assert.Equal(t, ScreenActionOutcome, e.Kind)
	assert.Equal(t, remedy.ResultDone, e.Result)
	assert.False(t, e.Retry)
	assert.Equal(t, "invoice-api", e.Component)
	assert.Contains(t, e.Text, "restart invoice-api: run /bin/true locally: done (verified)")
	assert.Equal(t, 1, r.count())
	assert.False(t, e.Time.After(fixture.T0), "stamped when confirmed: the screen's clock less the action's duration")
	assert.Equal(t, []ScreenEventKind{ScreenDrillDown, ScreenGuideOpened, ScreenGuideAnswered, ScreenDrillDown,
		ScreenActionRequested, ScreenActionOutcome, ScreenActionOutcome}, log.kinds())
}

func TestStopQuitsTheScreen(t *testing.T) {
	stop := make(chan struct{})
	m := New(Options{Config: fixture.Config(), Mode: Lab, Stop: stop})
	cmd := m.waitStop()
	require.NotNil(t, cmd)
	close(stop)
	msg := cmd()
	require.IsType(t, stopMsg{}, msg)
	_, quit := m.Update(msg)
	require.NotNil(t, quit)
	assert.IsType(t, tea.QuitMsg{}, quit())
	assert.Nil(t, New(Options{Config: fixture.Config()}).waitStop(), "no Stop: nothing waits")
}
