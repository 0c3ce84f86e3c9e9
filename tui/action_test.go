package tui

import (
	"context"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui/dialog"
	"github.com/fivelayer/triage/tui/internal/fixture"
	"github.com/fivelayer/triage/tui/internal/golden"
)

// goldenAudit is an audit path nothing can create, so golden screens show
// the same path everywhere and a refusal's best-effort record goes nowhere.
const goldenAudit = "/proc/triage-golden/audit.jsonl"

// countingRunner counts the commands the guard runs.
type countingRunner struct {
	mu sync.Mutex
	n  int
}

func (r *countingRunner) Run(context.Context, []string) ([]byte, []byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	return []byte("ok\n"), nil, nil
}

func (r *countingRunner) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// actionConfig is the fixture estate with invoice-api restarted by a local
// /bin/true (never ssh: tests send nothing off the machine).
func actionConfig() *config.Config {
	cfg := fixture.Config()
	for i := range cfg.Components {
		if cfg.Components[i].Name == "invoice-api" {
			cfg.Components[i].Actions.Restart = &config.Restart{Argv: []string{"/bin/true"}}
		}
	}
	return cfg
}

// guardedModel is fixtureModel with a real guard over cfg.
func guardedModel(t *testing.T, cfg *config.Config, mode Mode, opts remedy.Options, src Source, w, h int) (Model, *countingRunner) {
	t.Helper()
	r := &countingRunner{}
	if opts.AuditPath == "" {
		opts.AuditPath = t.TempDir() + "/audit.jsonl"
	}
	opts.Runner, opts.Operator, opts.Origin, opts.Host = r, "tester", "-", "h"
	opts.Reprobe = func(context.Context, string) (probes.Status, string) { return probes.OK, "all 6 checks ok" }
	ck := &fixture.Clock{T: fixture.T0}
	m := New(Options{Config: cfg, Mode: mode, Now: ck.Now, Guard: remedy.NewGuard(cfg, opts), Scheduler: src})
	m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 1, true)))
	ck.T = fixture.T0.Add(incidentAge)
	m = update(t, m, snapshotMsg(fixture.Snapshot(ck.T, 2, false)))
	return m, r
}

// deliver runs cmd and feeds what it returns to the model, batches
// included, until nothing is left.
func deliver(t testing.TB, m Model, cmd tea.Cmd) Model {
	t.Helper()
	if cmd == nil {
		return m
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			m = deliver(t, m, c)
		}
	default:
		next, cmd := m.Update(msg)
		m = deliver(t, next.(Model), cmd)
	}
	return m
}

var (
	drillDB  = []string{"tab", "tab", "tab", "j", "enter"} // db-primary, lock_waits selected
	drillAPI = []string{"tab", "tab", "enter"}             // invoice-api
)

func TestActionKeysOpenTheDialog(t *testing.T) {
	tests := []struct {
		name  string
		mode  Mode
		opts  remedy.Options
		keys  []string
		want  []string
		ready bool
	}{
		{"kill: the guard finds no mysql probe", Live, remedy.Options{}, append(drillDB, "K"),
			[]string{"kill-session · db-primary", "✖ refused: action not enabled", "no mysql probe to act through"}, false},
		{"kill query", Live, remedy.Options{}, append(drillDB, "Q"), []string{"kill-query · db-primary", "refused"}, false},
		{"read-only", ReadOnly, remedy.Options{ReadOnly: true}, append(drillDB, "K"),
			[]string{"✖ refused: read-only mode: actions are disabled", "This screen runs no actions"}, false},
		{"restart not enabled", Live, remedy.Options{}, append(drillDB, "R"),
			[]string{"✖ refused: action not enabled for this component in the config"}, false},
		{"restart", Live, remedy.Options{}, append(drillAPI, "R"),
			[]string{"restart invoice-api: run /bin/true locally", "✔ command exists", "type invoice-api to confirm"}, true},
		{"from the main view: the selected check's component", Live, remedy.Options{}, []string{"j", "R"},
			[]string{"restart · invoice-api"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, runner := guardedModel(t, actionConfig(), tt.mode, tt.opts, nil, 160, 48)
			m, cmd := press(t, m, tt.keys...)
			require.True(t, m.act.dlg.Visible())
			require.NotNil(t, cmd, "the preview runs in a command")
			assert.Contains(t, m.View(), "previewing")
			m = deliver(t, m, cmd)
			v := m.View()
			for _, want := range tt.want {
				assert.Contains(t, v, want)
			}
			plan, ok := m.act.dlg.Plan()
			require.True(t, ok)
			assert.Equal(t, tt.ready, plan.Ready(), "%v", plan.Refusal)
			assert.Contains(t, v, "esc", "the footer shows the dialog's keys")
			m, cmd = press(t, m, "esc")
			assert.False(t, m.act.dlg.Visible())
			m = deliver(t, m, cmd)
			assert.Equal(t, 0, runner.count())
		})
	}
}

func TestWrongWordThenRightWord(t *testing.T) {
	src := &fakeSource{}
	m, runner := guardedModel(t, actionConfig(), Live, remedy.Options{}, src, 160, 48)
	m, cmd := press(t, m, append(drillAPI, "R")...)
	m = deliver(t, m, cmd)
	m, cmd = press(t, m, "d", "e", "p", "l", "o", "y", "tab", "i", "n", "v", "enter")
	require.NotNil(t, cmd)
	m = deliver(t, m, cmd)
	assert.Equal(t, 0, runner.count(), "nothing executed")
	assert.Contains(t, m.View(), "refused: confirmation does not match")
	assert.Equal(t, 0, src.triggers(), "nothing ran: no probe round")
	last := m.ctx.Events[len(m.ctx.Events)-1]
	assert.Equal(t, incident.ActionTaken, last.Kind)
	assert.Contains(t, last.Text, "restart invoice-api: run /bin/true locally: refused (confirmation does not match")

	m, cmd = press(t, m, "ctrl+u", "i", "n", "v", "o", "i", "c", "e", "-", "a", "p", "i", "enter")
	m = deliver(t, m, cmd)
	assert.Equal(t, 1, runner.count())
	out, done := m.act.dlg.Outcome()
	require.True(t, done)
	assert.Equal(t, remedy.ResultDone, out.Result)
	assert.Contains(t, m.View(), "✔ done, verified")
	last = m.ctx.Events[len(m.ctx.Events)-1]
	assert.Equal(t, "invoice-api", last.Subject)
	assert.Equal(t, "restart invoice-api: run /bin/true locally: done (verified) — reason: deploy — by tester", last.Text)
	assert.Equal(t, out.Plan.ID, last.AuditID, "the event names its audit record (the incident store keeps it)")
	assert.NotEmpty(t, last.AuditID)
	assert.Equal(t, 1, src.triggers(), "a probe round is asked for after the action")

	m, _ = press(t, m, "esc", "t")
	assert.Contains(t, m.View(), "restart invoice-api: run /bin/true locally: done (verified)", "the timeline view shows it")
}

func TestCtrlCWhileRunningDoesNotQuit(t *testing.T) {
	m, _ := guardedModel(t, actionConfig(), Live, remedy.Options{}, nil, 160, 48)
	m, cmd := press(t, m, append(drillAPI, "R")...)
	m = deliver(t, m, cmd)
	m, exec := press(t, m, "tab", "i", "n", "v", "o", "i", "c", "e", "-", "a", "p", "i", "enter")
	require.NotNil(t, exec)
	require.True(t, m.act.dlg.Running())
	m, cmd = press(t, m, "ctrl+c")
	assert.Nil(t, cmd, "no quit while an action runs")
	assert.Contains(t, m.status, "an action is running")
	m = deliver(t, m, exec)
	m.act.wait(time.Second) // nothing left in flight
	_, cmd = press(t, m, "ctrl+c")
	require.NotNil(t, cmd)
}

func TestSchedulerReprobe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := probes.NewScheduler(fixture.Targets(0, 0), probes.Options{Interval: time.Hour})
	st, sum := SchedulerReprobe(s, 300*time.Millisecond)(ctx, "db-primary")
	assert.Equal(t, probes.Unknown, st, "no loop running: no round")
	assert.Contains(t, sum, "no probe round finished within 300ms")
	reprobe := SchedulerReprobe(s, 5*time.Second)

	s.Start(ctx)
	require.Eventually(t, func() bool { return s.Snapshot().Round >= 1 }, 5*time.Second, 10*time.Millisecond)
	before := s.Snapshot().Round
	st, sum = reprobe(ctx, "db-primary")
	assert.Greater(t, s.Snapshot().Round, before, "a new round ran (the interval is an hour)")
	assert.Equal(t, probes.Crit, st)
	assert.Contains(t, sum, "lock_waits crit")
	assert.NotContains(t, sum, "invoice-api", "only the component's checks")
}

func TestGoldenDialog(t *testing.T) {
	tests := []struct {
		name string
		w, h int
		done bool
	}{
		{"dialog_kill_80x24", 80, 24, false},
		{"dialog_kill_160x48", 160, 48, false},
		{"dialog_done_80x24", 80, 24, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := guardedModel(t, fixture.Config(), Live, remedy.Options{AuditPath: goldenAudit}, nil, tt.w, tt.h)
			m, cmd := press(t, m, append(drillDB, "K")...)
			// The fixture has no database: the guard's preview is refused,
			// so its message carries the plan a real server gives instead.
			pm := cmd().(dialog.PreviewMsg)
			pm.Plan = killPlan(pm.Plan.ID)
			m = update(t, m, pm)
			m, _ = press(t, m, "b", "a", "t", "c", "h", " ", "j", "o", "b", " ", "h", "o", "l", "d", "s", " ", "i", "n", "v", "o", "i", "c", "e", "s", "tab", "4", "7", "1", "1")
			if tt.done {
				m, cmd = press(t, m, "enter")
				om := cmd().(dialog.OutcomeMsg)
				om.Outcome, om.Err = killDone(pm.Plan), nil
				m = update(t, m, om)
			}
			golden.Assert(t, tt.name, m.View())
		})
	}
}

// killPlan is the preview the guard gives for the fixture's blocker.
func killPlan(id string) remedy.Plan {
	return remedy.Plan{
		Request: remedy.Request{Action: remedy.KillSession, Component: "db-primary", Thread: 4711, Operator: "tester"},
		ID:      id, Label: "kill connection 4711 (rolls back 12,408 rows)",
		Target:      "db-primary: thread 4711 (batch@10.0.0.7, trx 48213)",
		Commands:    []string{"KILL CONNECTION 4711"},
		ConfirmWord: "4711", Before: "blocks 2 sessions (4712, 4715)",
		Preconditions: []remedy.Precondition{
			{Name: "session", Want: "thread 4711 connected", Got: "batch@10.0.0.7, Sleep", OK: true},
			{Name: "transaction", Want: "an open InnoDB transaction (its id binds the confirmation)", Got: "trx 48213 started 2024-05-01 09:58:25", OK: true},
			{Name: "transaction state", Want: "not ROLLING BACK", Got: "RUNNING", OK: true},
			{Name: "rollback cost", Want: "≤ 100,000 rows modified", Got: "12,408 rows", OK: true},
		},
		Binding: map[string]string{"thread": "4711", "trx_id": "48213"},
	}
}

func killDone(p remedy.Plan) remedy.Outcome {
	p.Reason = "batch job holds invoices"
	return remedy.Outcome{
		Plan: p, Result: remedy.ResultDone, Verified: true, Duration: 412 * time.Millisecond,
		Verification: "thread 4711 gone, its transaction rolled back; former waiters: 2 of 2 no longer waiting",
		Steps: []remedy.StepResult{{Name: "kill connection", Command: "KILL CONNECTION 4711", OK: true,
			State: "identity re-checked on the killing connection: 48213", DurationMS: 3}},
		Record: &remedy.Record{},
	}
}

// fakeSource is a Source that counts the rounds asked for.
type fakeSource struct {
	mu sync.Mutex
	n  int
}

func (f *fakeSource) Subscribe() <-chan probes.Snapshot { return make(chan probes.Snapshot) }
func (f *fakeSource) Snapshot() probes.Snapshot         { return probes.Snapshot{} }
func (f *fakeSource) Trigger() {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
}

func (f *fakeSource) triggers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}
