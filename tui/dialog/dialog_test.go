package dialog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui/text"
)

func TestRestartThroughTheDialog(t *testing.T) {
	g, runner, auditPath := testGuard(t, estate(""), false)
	m, cmd := Open(Deps{Guard: g}, remedy.Request{Action: remedy.Restart, Component: "api"}, nil)
	require.True(t, m.Visible())
	assert.Contains(t, view(m, 80, 20), "previewing")
	m = deliver(t, m, cmd)

	plan, ok := m.Plan()
	require.True(t, ok)
	require.NoError(t, plan.Refusal)
	v := view(m, 100, 24)
	for _, want := range []string{plan.Label, "target", "api", "runs", "/bin/true api", "✔ command exists",
		"want /bin/true is an executable", "reason", "optional; recorded in the audit", "type api to confirm"} {
		assert.Contains(t, v, want)
	}

	m, cmd = press(m, "d", "e", "p", "l", "o", "y", " ", "s", "t", "u", "c", "k", "enter", "a", "p", "i")
	assert.Nil(t, cmd, "typing runs nothing")
	assert.Equal(t, 0, runner.count())
	m, cmd = press(m, "enter")
	require.NotNil(t, cmd)
	assert.True(t, m.Running())
	assert.Contains(t, view(m, 100, 24), "running…")
	m, _ = press(m, "esc")
	assert.True(t, m.Running(), "a running action cannot be cancelled from the dialog")
	closed, _ := m.Close()
	assert.True(t, closed.Visible(), "nor closed")

	m = deliver(t, m, cmd)
	out, done := m.Outcome()
	require.True(t, done)
	assert.Equal(t, remedy.ResultDone, out.Result)
	assert.True(t, out.Verified)
	assert.Equal(t, "deploy stuck", out.Plan.Reason)
	assert.Equal(t, 1, runner.count())
	v = view(m, 100, 30)
	for _, want := range []string{"✔ done, verified", "steps", "✔ run restart command", "verified", "output", "restarted ok", "line two", "reason", "deploy stuck", auditPath} {
		assert.Contains(t, v, want)
	}
	assert.NotContains(t, v, "\x1b", "command output is sanitised")

	recs, _, err := remedy.ReadAudit(auditPath)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, remedy.PhaseIntent, recs[0].Phase)
	assert.Equal(t, remedy.PhaseOutcome, recs[1].Phase)

	m, cmd = press(m, "enter")
	assert.False(t, m.Visible(), "enter closes the outcome")
	assert.Nil(t, cmd, "nothing to forget after an execution")
}

func TestWrongWordIsRefusedAndNothingRuns(t *testing.T) {
	g, runner, auditPath := testGuard(t, estate(""), false)
	m, cmd := Open(Deps{Guard: g}, remedy.Request{Action: remedy.Restart, Component: "api"}, nil)
	m = deliver(t, m, cmd)

	m, cmd = press(m, "enter", "enter")
	assert.Nil(t, cmd, "an empty confirmation never reaches the guard")
	assert.Contains(t, view(m, 100, 24), "type api to confirm")

	m, cmd = press(m, "a", "p", "x", "enter")
	require.NotNil(t, cmd)
	m = deliver(t, m, cmd)
	assert.Equal(t, 0, runner.count(), "nothing executed")
	assert.False(t, m.Running())
	_, done := m.Outcome()
	assert.False(t, done, "a typo leaves the preview usable")
	v := view(m, 120, 24)
	assert.Contains(t, v, "refused: confirmation does not match")
	assert.Contains(t, v, "nothing ran")

	m, _ = press(m, "backspace")
	assert.NotContains(t, view(m, 120, 24), "refused", "retyping clears the refusal")
	m, cmd = press(m, "i", "enter")
	m = deliver(t, m, cmd)
	out, done := m.Outcome()
	require.True(t, done)
	assert.Equal(t, remedy.ResultDone, out.Result)
	assert.Equal(t, 1, runner.count())
	recs, _, err := remedy.ReadAudit(auditPath)
	require.NoError(t, err)
	require.Len(t, recs, 3, "the refused typo, then intent and outcome")
	assert.Equal(t, remedy.ResultRefused, recs[0].Result)
}

func TestEscForgetsThePreview(t *testing.T) {
	g, runner, _ := testGuard(t, estate(""), false)
	m, cmd := Open(Deps{Guard: g}, remedy.Request{Action: remedy.Restart, Component: "api"}, nil)
	m = deliver(t, m, cmd)
	plan, _ := m.Plan()
	m, cmd = press(m, "esc")
	assert.False(t, m.Visible())
	require.NotNil(t, cmd, "esc makes the guard forget the preview")
	assert.Nil(t, cmd())
	_, err := g.Execute(context.Background(), plan, "api", "")
	require.ErrorIs(t, err, remedy.ErrUnknownPlan, "the forgotten preview cannot run")
	assert.Equal(t, 0, runner.count())
}

func TestEscWhilePreviewingForgetsTheLateAnswer(t *testing.T) {
	g, _, _ := testGuard(t, estate(""), false)
	m, cmd := Open(Deps{Guard: g}, remedy.Request{Action: remedy.Restart, Component: "api"}, nil)
	m, forget := press(m, "esc")
	assert.False(t, m.Visible())
	assert.Nil(t, forget, "no preview yet")
	late := cmd().(PreviewMsg)
	m, forget = m.Update(late)
	assert.False(t, m.Visible())
	require.NotNil(t, forget)
	forget()
	_, err := g.Execute(context.Background(), late.Plan, "api", "")
	require.ErrorIs(t, err, remedy.ErrUnknownPlan)
}

func TestRefusalsInWords(t *testing.T) {
	addr, accepted := countingListener(t)
	t.Setenv("DIALOG_TEST_DSN", "u:secret@tcp("+addr+")/test?timeout=1s")
	tests := []struct {
		name     string
		readOnly bool
		req      remedy.Request
		want     []string
	}{
		{"read-only kill", true, remedy.Request{Action: remedy.KillSession, Component: "db"},
			[]string{"✖ refused: read-only mode: actions are disabled", "This screen runs no actions"}},
		{"read-only restart", true, remedy.Request{Action: remedy.Restart, Component: "api"},
			[]string{"refused: read-only mode"}},
		{"not enabled", false, remedy.Request{Action: remedy.Restart, Component: "plain"},
			[]string{"refused: action not enabled for this component in the config", "Enable it under the component's actions"}},
		{"unknown component", false, remedy.Request{Action: remedy.Switchover, Component: "nope"},
			[]string{"refused: action not enabled", `no component "nope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, runner, _ := testGuard(t, estate("DIALOG_TEST_DSN"), tt.readOnly)
			m, cmd := Open(Deps{Guard: g}, tt.req, []int64{4711, 4712})
			m = deliver(t, m, cmd)
			plan, ok := m.Plan()
			require.True(t, ok)
			require.Error(t, plan.Refusal)
			v := view(m, 120, 24)
			for _, want := range tt.want {
				assert.Contains(t, v, want)
			}
			assert.NotContains(t, v, "to confirm", "no confirmation field for a refused plan")
			m, cmd = press(m, "a", "p", "i")
			assert.Nil(t, cmd)
			m, _ = press(m, "enter")
			assert.False(t, m.Visible(), "enter or esc closes a refusal")
			assert.Equal(t, 0, runner.count())
		})
	}
	assert.Zero(t, accepted.Load(), "read-only: no connection to the database was made")
}

func TestStaleRefusalShowsTheNewState(t *testing.T) {
	g, _, _ := testGuard(t, estate(""), false)
	m, cmd := Open(Deps{Guard: g}, remedy.Request{Action: remedy.Restart, Component: "api"}, nil)
	m = deliver(t, m, cmd)
	m, cmd = press(m, "tab", "a", "p", "i", "enter")
	require.NotNil(t, cmd)
	plan, _ := m.Plan()
	stale := remedy.Outcome{Plan: plan, Result: remedy.ResultRefused, Next: "nothing was run",
		Err:           errors.Join(remedy.ErrStale, errors.New(`trx_id was "1", now "2"`)),
		Preconditions: []remedy.Precondition{{Name: "transaction", Want: "an open transaction", Got: "none", OK: false}}}
	m, _ = m.Update(OutcomeMsg{Seq: m.seq, Outcome: stale, Err: stale.Err})
	out, done := m.Outcome()
	require.True(t, done)
	assert.Equal(t, remedy.ResultRefused, out.Result)
	v := view(m, 120, 30)
	for _, want := range []string{"✖ refused: target changed since the preview", `trx_id was "1", now "2"`, "nothing ran",
		"now (re-read at confirmation)", "✖ transaction none  want an open transaction", "next", "nothing was run", "ctrl+r previews again"} {
		assert.Contains(t, v, want)
	}
	m, cmd = press(m, "ctrl+r")
	assert.NotNil(t, cmd, "ctrl+r previews again")
	assert.Contains(t, view(m, 100, 20), "previewing")
}

func TestThreadChoice(t *testing.T) {
	g, _, _ := testGuard(t, estate(""), false)
	m, _ := Open(Deps{Guard: g}, remedy.Request{Action: remedy.KillSession, Component: "db"}, []int64{4711, 4712, 4715})
	m, _ = m.Update(PreviewMsg{Seq: m.seq, Plan: remedy.Plan{ID: "p1", Label: "kill connection 4711 (rolls back 3 rows)",
		Request: remedy.Request{Action: remedy.KillSession, Component: "db", Thread: 4711}, ConfirmWord: "4711"}})
	assert.Contains(t, view(m, 120, 24), "[4711] 4712 4715")
	m, cmd := press(m, "down")
	require.NotNil(t, cmd)
	assert.Equal(t, int64(4712), m.Request().Thread)
	assert.Contains(t, view(m, 100, 20), "previewing")
	m, _ = m.Update(PreviewMsg{Seq: m.seq, Plan: remedy.Plan{ID: "p2", Request: remedy.Request{Thread: 4712}, ConfirmWord: "4712"}})
	m, _ = press(m, "up")
	assert.Equal(t, int64(4711), m.Request().Thread)
}

func TestFailoverNeedsBothWords(t *testing.T) {
	g, _, _ := testGuard(t, estate(""), false)
	m, _ := Open(Deps{Guard: g}, remedy.Request{Action: remedy.Failover, Component: "db"}, nil)
	m, _ = m.Update(PreviewMsg{Seq: m.seq, Plan: remedy.Plan{ID: "f1", Label: "failover to db2", ConfirmWord: "db2", SecondConfirm: "db",
		Warnings: []string{"transactions the standby never received may be lost: 0-1-100..0-1-104"}}})
	v := view(m, 120, 24)
	assert.Contains(t, v, "required for failover")
	assert.Contains(t, v, "type db2 to confirm")
	assert.Contains(t, v, "type db as well (the old primary)")
	assert.Contains(t, v, "▲ WARNING: transactions the standby never received may be lost")
	m, cmd := press(m, "enter", "d", "b", "2", "enter")
	assert.Nil(t, cmd, "enter moves to the second confirmation")
	m, cmd = press(m, "enter")
	assert.Nil(t, cmd)
	assert.Contains(t, view(m, 120, 24), "failover: type db as well")
}

func TestThreadsFromEvidence(t *testing.T) {
	tests := []struct {
		name string
		ev   map[string]any
		want []int64
	}{
		{"probe shape", map[string]any{"root_blockers": []int64{4711}, "waits": []map[string]any{
			{"waiting_thread": int64(4712), "blocking_thread": int64(4711)},
			{"waiting_thread": int64(4715), "blocking_thread": int64(4712)}}}, []int64{4711, 4712, 4715}},
		{"decoded json", map[string]any{"root_blockers": []any{float64(9)}, "waits": []any{
			map[string]any{"waiting_thread": float64(10), "blocking_thread": float64(9)}}}, []int64{9, 10}},
		{"none", map[string]any{"waits": []any{}, "root_blockers": []any{}}, nil},
		{"not a lock_waits shape", map[string]any{"root_blockers": "x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, threadsFrom(tt.ev))
		})
	}
}

func TestEventText(t *testing.T) {
	plan := remedy.Plan{Label: "kill connection 4711 (rolls back 12,408 rows)", Request: remedy.Request{Reason: "pile-up", Operator: "ana"}}
	tests := []struct {
		name string
		out  remedy.Outcome
		err  error
		want string
	}{
		{"verified", remedy.Outcome{Plan: plan, Result: remedy.ResultDone, Verified: true}, nil,
			"kill connection 4711: done (verified) — reason: pile-up — by ana"},
		{"not verified", remedy.Outcome{Plan: plan, Result: remedy.ResultDone}, nil,
			"kill connection 4711: done (NOT verified) — reason: pile-up — by ana"},
		{"refused", remedy.Outcome{Plan: remedy.Plan{Label: "restart api: run x locally (timeout 1m0s)"}, Result: remedy.ResultRefused},
			remedy.ErrCooldown, "restart api: run x locally: refused (cooldown: the action ran too recently)"},
		{"no label", remedy.Outcome{Plan: remedy.Plan{Request: remedy.Request{Action: remedy.Restart, Component: "api"}}, Result: remedy.ResultFailed},
			nil, "restart api: failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, EventText(tt.out, tt.err))
		})
	}
}

func TestViewSanitizesAndFits(t *testing.T) {
	g, _, _ := testGuard(t, estate(""), false)
	m, _ := Open(Deps{Guard: g}, remedy.Request{Action: remedy.KillSession, Component: "db"}, nil)
	m, _ = m.Update(PreviewMsg{Seq: m.seq, Plan: remedy.Plan{ID: "x", Label: "kill connection 1\x1b]0;pwned\x07 (rolls back 1 rows)",
		Target: "db: thread 1 (evil\x1b[2J@host)", Commands: []string{"KILL CONNECTION 1\r"}, ConfirmWord: "1",
		Preconditions: []remedy.Precondition{{Name: "session\x1b[31m", Want: "connected", Got: "evil\u202e@host", OK: true}}}})
	for _, size := range [][2]int{{80, 24}, {160, 48}, {40, 10}} {
		lines := m.View(testContext(), size[0], size[1])
		require.Len(t, lines, size[1])
		for _, l := range lines {
			assert.NotContains(t, l, "\x1b")
			assert.NotContains(t, l, "\x07")
			assert.NotContains(t, l, "\r")
			assert.NotContains(t, l, "\u202e")
			assert.LessOrEqual(t, text.Width(l), size[0])
		}
	}
}

func TestLongReasonScrollsInsideItsField(t *testing.T) {
	g, _, _ := testGuard(t, estate(""), false)
	m, cmd := Open(Deps{Guard: g}, remedy.Request{Action: remedy.Restart, Component: "api"}, nil)
	m = deliver(t, m.SetWidth(80), cmd)
	for _, r := range "a reason much longer than the field is wide, typed at three in the morning" {
		m, _ = m.SetWidth(80).Update(keyMsg(string(r)))
	}
	v := view(m, 80, 20)
	assert.Contains(t, v, "optional; recorded in the audit", "the hint stays on screen")
	assert.Contains(t, v, "three in the morning", "the end of the reason, where the cursor is, is shown")
}

func TestHelpOffersOnlyWhatCanHelp(t *testing.T) {
	g, _, _ := testGuard(t, estate(""), true)
	m, cmd := Open(Deps{Guard: g}, remedy.Request{Action: remedy.Restart, Component: "api"}, nil)
	m = deliver(t, m, cmd)
	var keys []string
	for _, b := range m.Help() {
		keys = append(keys, b.Help().Key)
	}
	assert.Equal(t, []string{"esc"}, keys, "read-only: previewing again cannot help")
}

// breakingRunner runs nothing and, while "running", replaces the audit log
// with a directory, so the outcome cannot be recorded.
type breakingRunner struct{ audit string }

func (r *breakingRunner) Run(context.Context, []string) ([]byte, []byte, error) {
	if err := os.Remove(r.audit); err != nil {
		return nil, nil, err
	}
	return []byte("restarted ok\n"), nil, os.Mkdir(r.audit, 0o700)
}

func TestOutcomeNotRecordedIsNeverShownAsDone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	g := remedy.NewGuard(estate(""), remedy.Options{
		AuditPath: path, Runner: &breakingRunner{audit: path}, Operator: "tester", Origin: "-", Host: "h",
		Reprobe: func(context.Context, string) (probes.Status, string) { return probes.OK, "all 1 checks ok" },
	})
	m, cmd := Open(Deps{Guard: g}, remedy.Request{Action: remedy.Restart, Component: "api"}, nil)
	m = deliver(t, m, cmd)
	m, _ = press(m, "tab", "a", "p", "i")
	m, cmd = press(m, "enter")
	require.NotNil(t, cmd)
	var outMsg OutcomeMsg
	for cmd != nil {
		msg := cmd()
		if o, ok := msg.(OutcomeMsg); ok {
			outMsg = o
		}
		if msg == nil {
			break
		}
		m, cmd = m.Update(msg)
	}
	out, done := m.Outcome()
	require.True(t, done)
	assert.Equal(t, remedy.ResultNotRecorded, out.Result)
	v := view(m, 100, 30)
	assert.Contains(t, v, "✖ done — NOT RECORDED")
	assert.NotContains(t, v, "✔ done")
	assert.Contains(t, v, "(not recorded)")
	assert.Contains(t, EventText(outMsg.Outcome, outMsg.Err), "locally: done — NOT RECORDED", "the timeline")
}
