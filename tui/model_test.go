package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

func TestNavigation(t *testing.T) {
	tests := []struct {
		name     string
		keys     []string
		focus    int
		selected string
	}{
		{"start", nil, 0, "edge-dns/dns/resolve"},
		{"down", []string{"j"}, 0, "invoice-api/tcp/connect"},
		{"down arrow twice", []string{"down", "down"}, 0, "invoice-api/http/reachability"},
		{"stops at the end", []string{"j", "j", "j", "j"}, 0, "invoice-api/http/reachability"},
		{"up stops at the top", []string{"k", "up"}, 0, "edge-dns/dns/resolve"},
		{"tab to server", []string{"tab"}, 1, "app-host-1/node_exporter/cpu"},
		{"l to server", []string{"l"}, 1, "app-host-1/node_exporter/cpu"},
		{"shift-tab wraps to security", []string{"shift+tab"}, 4, "invoice-api/http/certificate"},
		{"h wraps to security", []string{"h"}, 4, "invoice-api/http/certificate"},
		{"data overflows: worst first", []string{"tab", "tab", "tab"}, 3, "db-primary/mysql/lock_waits"},
		{"data, second worst", []string{"tab", "tab", "tab", "j"}, 3, "db-primary/mysql/replication"},
		{"data scrolls to cache", []string{"tab", "tab", "tab", "j", "j", "j", "j"}, 3, "cache/redis/memory"},
		{"cursor is kept per pane", []string{"j", "tab", "shift+tab"}, 0, "invoice-api/tcp/connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
			m, cmd := press(t, m, tt.keys...)
			assert.Nil(t, cmd)
			assert.Equal(t, tt.focus, m.focus)
			assert.Equal(t, tt.selected, selectedID(m))
			assert.Contains(t, m.View(), "›", "the selected row is marked without colour")
		})
	}
}

func TestPaneScrollsWithCursor(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, _ = press(t, m, "tab", "tab", "tab")
	assert.NotContains(t, m.View(), "redis", "cache is below the data pane's fold at 80×24")
	m, _ = press(t, m, "j", "j", "j", "j")
	v := m.View()
	assert.Contains(t, v, "memory")
	assert.Positive(t, m.panes[probes.Data].Offset)
}

func TestDrillDown(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, _ = press(t, m, "tab", "tab", "tab", "enter")
	require.Equal(t, viewDrill, m.top())
	assert.Equal(t, "db-primary", m.drill().Component())
	assert.Equal(t, "db-primary/mysql/lock_waits", m.drill().SelectedID)
	v := m.View()
	for _, want := range []string{"waiting_thread", "blocking_thread", "wait_seconds", "blocking_query", "4711", "root blocker: 4711"} {
		assert.Contains(t, v, want)
	}
	assert.NotContains(t, v, "pwned\x07")

	m, _ = press(t, m, "j")
	assert.Equal(t, "db-primary/mysql/replication", m.drill().SelectedID)
	m, _ = press(t, m, "pgdown", "pgdown")
	assert.Contains(t, m.View(), "not available: no guard", "the actions are at the end")

	m, _ = press(t, m, "esc")
	assert.Equal(t, viewMain, m.top())
	assert.Equal(t, "db-primary/mysql/lock_waits", selectedID(m), "back where we were")
}

func TestEnterOnEmptyPane(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, _ = press(t, m, "/", "zzz", "enter", "enter")
	assert.Equal(t, viewMain, m.top())
	assert.Contains(t, m.View(), "no check selected")
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name    string
		typed   string
		visible []string
		hidden  []string
	}{
		{"by component", "cache", []string{"clients", "memory"}, []string{"lock_waits", "resolve"}},
		{"by check", "lock", []string{"lock_waits"}, []string{"connections", "clients"}},
		{"by status", "crit", []string{"lock_waits", "status"}, []string{"connections", "resolve", "certificate"}},
		{"by status word", "timeout", []string{"replication"}, []string{"lock_waits"}},
		{"case-insensitive", "DB-PRIMARY", []string{"lock_waits", "auth_failures"}, []string{"clients"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := fixtureModel(t, fixture.Config(), Live, 160, 48)
			m, cmd := press(t, m, "/")
			assert.True(t, m.filtering())
			_ = cmd
			m, _ = press(t, m, tt.typed)
			assert.Equal(t, strings.ToLower(tt.typed), m.filter, "applies while typing")
			m, _ = press(t, m, "enter")
			assert.False(t, m.filtering())
			v := paneText(m)
			for _, s := range tt.visible {
				assert.Contains(t, v, s)
			}
			for _, s := range tt.hidden {
				assert.NotContains(t, v, s)
			}
			m, _ = press(t, m, "esc")
			assert.Empty(t, m.filter, "esc clears the filter")
		})
	}
}

func TestFilterInputTakesKeys(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, cmd := press(t, m, "/", "q")
	assert.Nil(t, cmd, "q types into the filter, it does not quit")
	assert.Equal(t, "q", m.filter)
	m, _ = press(t, m, "backspace", "esc")
	assert.False(t, m.filtering())
	assert.Empty(t, m.filter)
}

func TestHelpListsEveryKey(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, _ = press(t, m, "?")
	require.True(t, m.helpOpen())
	v := m.View()
	for _, group := range m.ctx.Keys.FullHelp() {
		for _, b := range group {
			if !b.Enabled() { // f exists in LAB mode only
				assert.NotContains(t, v, b.Help().Desc)
				continue
			}
			assert.Contains(t, v, b.Help().Desc)
		}
	}
	m, _ = press(t, m, "?")
	assert.False(t, m.helpOpen())
}

func TestRefresh(t *testing.T) {
	ck := &fixture.Clock{T: fixture.T0}
	sched := probes.NewScheduler(fixture.Targets(0, 0), probes.Options{Now: ck.Now})
	m := New(Options{Config: fixture.Config(), Scheduler: sched, Now: ck.Now})
	m, cmd := press(t, m, "r")
	require.NotNil(t, cmd)
	msg := cmd()
	assert.IsType(t, triggeredMsg{}, msg)
	m = update(t, m, msg)
	assert.Contains(t, m.View(), "probe round requested")

	m = New(Options{Config: fixture.Config(), Scheduler: sched, Mode: Replay, Now: ck.Now})
	m, cmd = press(t, m, "r")
	assert.Nil(t, cmd)
	assert.Contains(t, m.View(), "replay: nothing to probe")
}

func TestQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		t.Run(k, func(t *testing.T) {
			m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
			_, cmd := press(t, m, k)
			require.NotNil(t, cmd)
			assert.IsType(t, tea.QuitMsg{}, cmd())
		})
	}
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	_, cmd := press(t, m, "/", "ctrl+c")
	require.NotNil(t, cmd, "ctrl+c quits even from the filter")
	assert.IsType(t, tea.QuitMsg{}, cmd())
}

func TestActionsWithoutGuard(t *testing.T) {
	tests := []struct {
		name string
		mode Mode
		key  string
		want string
	}{
		{"kill enabled", Live, "K", "K kill_session on db-primary: not available: no guard"},
		{"kill query", Live, "Q", "Q kill_session on db-primary: not available: no guard"},
		{"switchover enabled", Live, "S", "S switchover on db-primary: not available: no guard"},
		{"failover", Live, "F", "F switchover on db-primary: not available: no guard"},
		{"restart not enabled", Live, "R", "R restart on db-primary: disabled: not enabled in config"},
		{"read-only", ReadOnly, "K", "K kill_session on db-primary: disabled: read-only mode"},
		{"replay", Replay, "S", "S switchover on db-primary: disabled: replay: nothing runs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := fixtureModel(t, fixture.Config(), tt.mode, 160, 48)
			m, cmd := press(t, m, "tab", "tab", "tab", "j", "enter", tt.key)
			assert.Nil(t, cmd, "nothing to preview without a guard")
			assert.Equal(t, viewDrill, m.top(), "an action key never leaves the view")
			assert.False(t, m.act.dlg.Visible())
			assert.Contains(t, m.status, tt.want)
		})
	}
}

func TestViews(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		top  view
		want string
	}{
		{"path from the main view", []string{"tab", "tab", "enter", "p"}, viewPath, "connection breaks here"},
		{"timeline", []string{"t"}, viewTimeline, "timeline (newest first)"},
		{"timeline toggles", []string{"t", "t"}, viewMain, "NETWORK"},
		{"guide", []string{"g"}, viewGuide, "you are here"},
		{"wall", []string{"w"}, viewWall, "SYSTEM DOWN"},
		{"wall ignores r and enter", []string{"w", "r", "enter", "j"}, viewWall, "SYSTEM DOWN"},
		{"wall esc", []string{"w", "esc"}, viewMain, "NETWORK"},
		{"drill then path then back to drill", []string{"tab", "tab", "enter", "p", "esc"}, viewDrill, "invoice-api core · 6 checks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
			m, _ = press(t, m, tt.keys...)
			assert.Equal(t, tt.top, m.top())
			assert.Contains(t, m.View(), tt.want)
		})
	}
}

func TestTimelineNewestFirst(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 160, 48)
	m, _ = press(t, m, "t")
	v := m.View()
	newer := strings.Index(v, "10:17:47")
	older := strings.Index(v, "10:00:00")
	require.Positive(t, newer)
	require.Positive(t, older)
	assert.Less(t, newer, older)
}

func TestNoRedrawWhenRoundChangesNothing(t *testing.T) {
	m, ck := fixtureModel(t, fixture.Config(), Live, 80, 24)
	first := m.View()
	renders := m.cache.renders

	ck.T = ck.T.Add(500 * time.Millisecond) // a round inside the same second, same results
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 3, false)))
	assert.Equal(t, first, m.View())
	assert.Equal(t, renders, m.cache.renders, "an unchanged round does not redraw")

	ck.T = ck.T.Add(time.Second)
	m = update(t, m, tickMsg(ck.T))
	assert.NotEqual(t, first, m.View(), "the clock moves")
	assert.Equal(t, renders, m.cache.renders, "the clock redraws the header and pane titles only")
	assert.Equal(t, 1, m.cache.ticks)

	snap := fixture.Snapshot(ck.T, 4, false)
	snap.Checks[0].Summary = "api.example.com → 10.0.0.2 in 13 ms"
	m = update(t, m, snapshotMsg(snap))
	m.View()
	assert.Equal(t, renders+1, m.cache.renders, "a changed round redraws")
}

// TestClockRedrawEqualsFullRender: what a tick draws over the last frame is
// exactly what drawing the whole screen would give, framed or not, at the
// sizes the golden files use, as the ages in the pane titles move on.
func TestClockRedrawEqualsFullRender(t *testing.T) {
	prod := fixture.Config()
	prod.Environment = "production"
	tests := []struct {
		name string
		cfg  *config.Config
		w, h int
	}{
		{"80x24", fixture.Config(), 80, 24},
		{"160x48", fixture.Config(), 160, 48},
		{"production 80x24", prod, 80, 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ck := fixtureModel(t, tt.cfg, Live, tt.w, tt.h)
			m.View()
			for _, step := range []time.Duration{time.Second, 59 * time.Second, time.Second} {
				ck.T = ck.T.Add(step)
				m = update(t, m, tickMsg(ck.T))
				ticked := m.View()
				m.rev++
				assert.Equal(t, m.View(), ticked, "after %s", step)
			}
			assert.Positive(t, m.cache.ticks)
		})
	}
}

func TestSlowInFlightIsMarked(t *testing.T) {
	m, ck := fixtureModel(t, fixture.Config(), Live, 80, 24)
	snap := fixture.Snapshot(ck.T, 3, false)
	snap.Running, snap.RoundStarted = true, ck.T
	for i := range snap.Checks {
		snap.Checks[i].InFlight = true
	}
	before := strings.Count(paneText(m), "↻")
	m = update(t, m, snapshotMsg(snap))
	assert.Equal(t, before, strings.Count(paneText(m), "↻"), "a round under a second is not marked")
	ck.T = ck.T.Add(2 * time.Second)
	m = update(t, m, tickMsg(ck.T))
	assert.Greater(t, strings.Count(paneText(m), "↻"), before+5, "every probed check is marked once slow")
}

func TestFirstFrameIsProbing(t *testing.T) {
	ck := &fixture.Clock{T: fixture.T0}
	sched := probes.NewScheduler(fixture.Targets(0, 0), probes.Options{Now: ck.Now})
	m := New(Options{Config: fixture.Config(), Scheduler: sched, Now: ck.Now})
	v := m.View()
	assert.Contains(t, v, "probing")
	for _, title := range []string{"NETWORK … probing", "server … probing", "application … probing", "data … probing", "security … probing"} {
		assert.Contains(t, v, title)
	}
	assert.Contains(t, paneText(m), "lock_waits")
	assert.NotContains(t, v, "GREEN", "no grade before a round")
}

func TestTooSmall(t *testing.T) {
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {59, 30}, {100, 15}, {20, 40}} {
		m, _ := fixtureModel(t, fixture.Config(), Live, sz[0], sz[1])
		v := m.View()
		if sz[0] > 30 && sz[1] > 4 {
			assert.Contains(t, v, "need 60×16")
			assert.Contains(t, v, "RED", "the grade shows at any size")
		}
		m, _ = press(t, m, "tab", "enter", "j", "/", "?")
		_, cmd := press(t, m, "q")
		require.NotNil(t, cmd)
	}
	m, _ := fixtureModel(t, fixture.Config(), Live, 60, 16)
	assert.NotContains(t, m.View(), "too small")
}

func TestEstateStringsAreSanitised(t *testing.T) {
	m, ck := fixtureModel(t, fixture.Config(), Live, 160, 48)
	snap := fixture.Snapshot(ck.T, 3, false)
	snap.Checks[0].Summary = "evil\x1b]0;pwned\x07 \x1b[2J\rdone"
	snap.Checks[0].Component = "edge\x1b[31m-dns"
	m = update(t, m, snapshotMsg(snap))
	for _, keys := range [][]string{nil, {"enter"}, {"p"}, {"g"}, {"t"}} {
		mm, _ := press(t, m, keys...)
		v := mm.View()
		assert.NotContains(t, v, "\x1b", "Ascii profile: no escape at all may reach the screen")
		assert.NotContains(t, v, "\r")
		assert.NotContains(t, v, "\a")
	}
	assert.Contains(t, m.View(), "evil done", "the OSC sequence goes with its payload")
	assert.NotContains(t, m.View(), "pwned")
}

func TestFrameAndDefaultLine(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	v := m.View()
	assert.True(t, strings.HasPrefix(v, "╔═ PRODUCTION"))
	assert.Contains(t, v, "00:42:13 left")

	cfg := fixture.Config()
	cfg.Environment, cfg.Default = "staging", true
	m, _ = fixtureModel(t, cfg, ReadOnly, 80, 24)
	v = m.View()
	assert.NotContains(t, v, "PRODUCTION")
	assert.Contains(t, v, "env staging")
	assert.Contains(t, v, "READ-ONLY")
	assert.Contains(t, v, "built-in default — write triage.yaml (triage config example > triage.yaml)")
	assert.Len(t, strings.Split(v, "\n"), 24)
}

func TestOverdue(t *testing.T) {
	m, ck := fixtureModel(t, fixture.Config(), Live, 80, 24)
	ck.T = fixture.T0.Add(time.Hour + 3*time.Minute + 10*time.Second)
	m = update(t, m, tickMsg(ck.T))
	assert.Contains(t, m.View(), "overdue 00:03:10")
}

func TestNilConfig(t *testing.T) {
	m := New(Options{})
	assert.NotPanics(t, func() { m.View() })
	m = New(Options{Config: &config.Config{}})
	m, _ = press(t, m, "enter", "p", "K", "g", "w", "esc", "t")
	assert.NotEmpty(t, m.View())
}
