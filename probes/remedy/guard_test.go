package remedy

import (
	"context"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
)

// fakeAction counts runs and serves scripted state, so every guard rule can
// be tested without a server.
type fakeAction struct {
	runs       *atomic.Int32
	pre        []Precondition
	binding    map[string]string
	rePre      []Precondition // at execution; nil: same as pre
	reBinding  map[string]string
	auditPath  string
	intentSeen *atomic.Bool // the intent was on disk when run started
	secret     string
	onRun      func()
}

func (f *fakeAction) preview(_ context.Context, p *Plan) error {
	p.Label, p.Commands = "do the thing", []string{"thing --now"}
	if p.Thread == 0 && (p.Action == KillSession || p.Action == KillQuery) {
		p.Thread = 7 // the guard asks for the thread id (catalog)
	}
	p.Preconditions, p.Binding = f.pre, maps.Clone(f.binding)
	return nil
}

func (f *fakeAction) recheck(context.Context, Plan) ([]Precondition, map[string]string, error) {
	pre, b := f.pre, f.binding
	if f.rePre != nil {
		pre = f.rePre
	}
	if f.reBinding != nil {
		b = f.reBinding
	}
	return pre, maps.Clone(b), nil
}

func (f *fakeAction) run(_ context.Context, _ Plan, out *Outcome) error {
	f.runs.Add(1)
	if f.auditPath != "" {
		recs, _, _ := ReadAudit(f.auditPath)
		if n := len(recs); n > 0 && recs[n-1].Phase == PhaseIntent {
			f.intentSeen.Store(true)
		}
	}
	if f.onRun != nil {
		f.onRun()
	}
	out.Output = "ran with " + f.secret
	out.Steps = append(out.Steps, StepResult{Name: "thing", OK: true})
	return nil
}

func (f *fakeAction) verify(_ context.Context, _ Plan, out *Outcome) {
	out.Verified, out.Verification = true, "thing done"
}

func (f *fakeAction) close() {}

func fakeConfig() *config.Config {
	return &config.Config{Components: []config.Component{
		{Name: "db", Actions: config.Actions{
			KillSession: &config.KillSession{},
			Restart:     &config.Restart{Argv: []string{"true"}},
			Switchover:  &config.Switchover{Standby: "db2"},
		}},
		{Name: "db2"},
		{Name: "plain"},
	}}
}

var okPre = []Precondition{{Name: "alive", Want: "yes", Got: "yes", OK: true}}

func TestGuardRules(t *testing.T) {
	badDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(badDir, []byte("x"), 0o600))
	tests := []struct {
		name      string
		opts      Options
		req       Request
		typed     string
		second    string
		pre       []Precondition
		rePre     []Precondition
		reBinding map[string]string
		audit     string // audit path override; "" = temp file
		advance   time.Duration
		wantErr   error
		wantRuns  int32
		result    string
	}{
		{name: "done", req: Request{Action: KillSession, Component: "db"}, typed: "7", result: ResultDone, wantRuns: 1},
		{name: "read-only", opts: Options{ReadOnly: true}, req: Request{Action: KillSession, Component: "db"}, typed: "7", wantErr: ErrReadOnly},
		{name: "replay", opts: Options{Replay: true}, req: Request{Action: KillSession, Component: "db"}, typed: "7", wantErr: ErrReplay},
		{name: "not enabled", req: Request{Action: KillSession, Component: "plain"}, typed: "7", wantErr: ErrNotEnabled},
		{name: "unknown component", req: Request{Action: Restart, Component: "nope"}, typed: "nope", wantErr: ErrNotEnabled},
		{name: "wrong name", req: Request{Action: KillSession, Component: "db"}, typed: "db2", wantErr: ErrNotConfirmed},
		{name: "empty name", req: Request{Action: KillSession, Component: "db"}, typed: "", wantErr: ErrNotConfirmed},
		{name: "stale preview", req: Request{Action: KillSession, Component: "db"}, typed: "7",
			reBinding: map[string]string{"trx_id": "999"}, wantErr: ErrStale},
		{name: "precondition false at preview", req: Request{Action: KillSession, Component: "db"}, typed: "7",
			pre: []Precondition{{Name: "lag", Want: "0 s", Got: "4 s"}}, wantErr: ErrPrecondition},
		{name: "precondition false at execution", req: Request{Action: KillSession, Component: "db"}, typed: "7",
			rePre: []Precondition{{Name: "lag", Want: "0 s", Got: "4 s"}}, wantErr: ErrPrecondition},
		{name: "preview too old", req: Request{Action: KillSession, Component: "db"}, typed: "7", advance: 11 * time.Minute, wantErr: ErrStale},
		{name: "switchover needs a reason", req: Request{Action: Switchover, Component: "db"}, typed: "db2", wantErr: ErrReasonRequired},
		{name: "switchover with reason", req: Request{Action: Switchover, Component: "db", Reason: "primary disk failing"}, typed: "db2", result: ResultDone, wantRuns: 1},
		{name: "failover needs the second word", req: Request{Action: Failover, Component: "db", Reason: "primary gone"}, typed: "db2", second: "db2", wantErr: ErrNotConfirmed},
		{name: "failover with both words", req: Request{Action: Failover, Component: "db", Reason: "primary gone"}, typed: "db2", second: "db", result: ResultDone, wantRuns: 1},
		{name: "dry run", req: Request{Action: KillSession, Component: "db", DryRun: true}, result: ResultDryRun},
		{name: "dry run with a wrong name", req: Request{Action: KillSession, Component: "db", DryRun: true}, typed: "x", wantErr: ErrNotConfirmed},
		{name: "audit dir is a file", req: Request{Action: KillSession, Component: "db"}, typed: "7", audit: filepath.Join(badDir, "audit.jsonl"), wantErr: ErrAudit},
		{name: "audit device full", req: Request{Action: KillSession, Component: "db"}, typed: "7", audit: "/dev/full", wantErr: ErrAudit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2025, 11, 25, 3, 0, 0, 0, time.UTC)
			opts := tt.opts
			opts.AuditPath = tt.audit
			if opts.AuditPath == "" {
				opts.AuditPath = filepath.Join(t.TempDir(), "audit.jsonl")
			}
			opts.Now = func() time.Time { return now }
			opts.Reprobe = func(context.Context, string) (probes.Status, string) { return probes.OK, "fine" }
			g := NewGuard(fakeConfig(), opts)
			fa := &fakeAction{runs: &atomic.Int32{}, pre: okPre, binding: map[string]string{"trx_id": "42"},
				rePre: tt.rePre, reBinding: tt.reBinding, intentSeen: &atomic.Bool{}, auditPath: opts.AuditPath}
			if tt.pre != nil {
				fa.pre = tt.pre
			}
			g.newAction = func(*Guard, ActionKind, *config.Component) (action, error) { return fa, nil }

			plan, err := g.Preview(context.Background(), tt.req)
			require.NoError(t, err)
			now = now.Add(tt.advance)
			out, err := g.Execute(context.Background(), plan, tt.typed, tt.second)

			assert.Equal(t, tt.wantRuns, fa.runs.Load(), "executions")
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, ResultRefused, out.Result)
				assert.Equal(t, 1, out.ExitCode())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.result, out.Result)
			assert.Equal(t, 0, out.ExitCode())
			recs, _, err := ReadAudit(opts.AuditPath)
			require.NoError(t, err)
			if tt.result == ResultDryRun {
				require.Len(t, recs, 1)
				assert.Equal(t, ResultDryRun, recs[0].Result)
				assert.True(t, recs[0].DryRun)
				return
			}
			require.Len(t, recs, 2)
			assert.Equal(t, PhaseIntent, recs[0].Phase)
			assert.Equal(t, PhaseOutcome, recs[1].Phase)
			assert.Equal(t, recs[0].ID, recs[1].ID)
			assert.True(t, fa.intentSeen.Load(), "intent must be on disk before anything runs")
		})
	}
}

func TestGuardRefusalShowsNewState(t *testing.T) {
	g := NewGuard(fakeConfig(), Options{AuditPath: filepath.Join(t.TempDir(), "a.jsonl")})
	fa := &fakeAction{runs: &atomic.Int32{}, pre: okPre, binding: map[string]string{"trx_id": "42"},
		reBinding: map[string]string{"trx_id": "43"}}
	g.newAction = func(*Guard, ActionKind, *config.Component) (action, error) { return fa, nil }
	plan, err := g.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	out, err := g.Execute(context.Background(), plan, "7", "")
	require.ErrorIs(t, err, ErrStale)
	assert.Equal(t, "43", out.Binding["trx_id"])
	assert.Contains(t, err.Error(), `trx_id was "42", now "43"`)

	// The preview is used up: executing it again is refused.
	_, err = g.Execute(context.Background(), plan, "7", "")
	require.ErrorIs(t, err, ErrUnknownPlan)
}

func TestGuardTypoKeepsThePreview(t *testing.T) {
	g := NewGuard(fakeConfig(), Options{AuditPath: filepath.Join(t.TempDir(), "a.jsonl")})
	fa := &fakeAction{runs: &atomic.Int32{}, pre: okPre}
	g.newAction = func(*Guard, ActionKind, *config.Component) (action, error) { return fa, nil }
	plan, err := g.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	_, err = g.Execute(context.Background(), plan, "bd", "")
	require.ErrorIs(t, err, ErrNotConfirmed)
	_, err = g.Execute(context.Background(), plan, "7", "")
	require.NoError(t, err)
	assert.EqualValues(t, 1, fa.runs.Load())
}

func TestGuardTrustsOnlyItsOwnPreview(t *testing.T) {
	g := NewGuard(fakeConfig(), Options{AuditPath: filepath.Join(t.TempDir(), "a.jsonl")})
	fa := &fakeAction{runs: &atomic.Int32{}, pre: okPre}
	g.newAction = func(*Guard, ActionKind, *config.Component) (action, error) { return fa, nil }
	plan, err := g.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	forged := plan
	forged.ConfirmWord, forged.Refusal = "anything", nil
	_, err = g.Execute(context.Background(), forged, "anything", "")
	require.ErrorIs(t, err, ErrNotConfirmed)

	forged.ID = "0000"
	_, err = g.Execute(context.Background(), forged, "7", "")
	require.ErrorIs(t, err, ErrUnknownPlan)
	assert.Zero(t, fa.runs.Load())
}

func TestAuditNeverHoldsSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl")
	g := NewGuard(fakeConfig(), Options{AuditPath: path})
	const secret = `s3cr"et-pw`
	g.addSecret(secret)
	fa := &fakeAction{runs: &atomic.Int32{}, pre: okPre, secret: secret}
	g.newAction = func(*Guard, ActionKind, *config.Component) (action, error) { return fa, nil }
	plan, err := g.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	_, err = g.Execute(context.Background(), plan, "7", "")
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "s3cr")
	assert.Contains(t, string(b), "ran with …")
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		assert.True(t, strings.HasPrefix(line, "{") && strings.HasSuffix(line, "}"), "one JSON object per line")
	}
}

func TestGuardNotEnabledWithRealActions(t *testing.T) {
	g := NewGuard(fakeConfig(), Options{AuditPath: filepath.Join(t.TempDir(), "a.jsonl")})
	for _, kind := range []ActionKind{KillSession, KillQuery, Restart, Switchover, Failover} {
		t.Run(string(kind), func(t *testing.T) {
			plan, err := g.Preview(context.Background(), Request{Action: kind, Component: "plain", Reason: "r"})
			require.NoError(t, err)
			require.ErrorIs(t, plan.Refusal, ErrNotEnabled)
			_, err = g.Execute(context.Background(), plan, "plain", "plain")
			require.ErrorIs(t, err, ErrNotEnabled)
		})
	}
	_, err := g.Preview(context.Background(), Request{Action: "reboot", Component: "db"})
	require.Error(t, err)
}

func TestPositionTracker(t *testing.T) {
	at := time.Date(2025, 11, 25, 3, 0, 0, 0, time.UTC)
	var tr PositionTracker
	tr.Observe([]probes.Result{
		{Component: "db", Check: "replication", Time: at, Evidence: map[string]any{"gtid_binlog_pos": "0-1-438"}},
		{Component: "db", Check: "connections", Time: at, Evidence: map[string]any{"gtid_binlog_pos": "x"}},
		{Component: "my", Check: "replication", Time: at, Evidence: map[string]any{"gtid_executed": "uuid:1-5"}},
	})
	tr.Observe([]probes.Result{{Component: "db", Check: "replication", Err: "connection refused", Time: at.Add(time.Minute)}})
	pos, seen := tr.Last("db")
	assert.Equal(t, "0-1-438", pos, "a failed round keeps the last position")
	assert.Equal(t, at, seen)
	pos, _ = tr.Last("my")
	assert.Equal(t, "uuid:1-5", pos)
	pos, _ = tr.Last("none")
	assert.Empty(t, pos)
}

// blockingAction runs until released, to hold a component busy.
type blockingAction struct {
	fakeAction
	started chan struct{}
	release chan struct{}
}

func (b *blockingAction) run(ctx context.Context, p Plan, out *Outcome) error {
	b.runs.Add(1)
	close(b.started)
	<-b.release
	return nil
}

func TestGuardOneExecutionPerPreviewAndComponent(t *testing.T) {
	g := NewGuard(fakeConfig(), Options{AuditPath: filepath.Join(t.TempDir(), "a.jsonl")})
	ba := &blockingAction{fakeAction: fakeAction{runs: &atomic.Int32{}, pre: okPre},
		started: make(chan struct{}), release: make(chan struct{})}
	g.newAction = func(*Guard, ActionKind, *config.Component) (action, error) { return ba, nil }
	ctx := context.Background()
	first, err := g.Preview(ctx, Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	second, err := g.Preview(ctx, Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() { _, err := g.Execute(ctx, first, "7", ""); done <- err }()
	<-ba.started
	_, err = g.Execute(ctx, first, "7", "")
	require.ErrorIs(t, err, ErrUnknownPlan, "the same preview cannot run twice")
	_, err = g.Execute(ctx, second, "7", "")
	require.ErrorIs(t, err, ErrBusy, "one action at a time per component")
	close(ba.release)
	require.NoError(t, <-done)
	assert.EqualValues(t, 1, ba.runs.Load())
}

func TestUnreachableDatabaseIsRefusedPromptly(t *testing.T) {
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refusedAddr := refused.Addr().String()
	require.NoError(t, refused.Close())
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never greets
	require.NoError(t, err)
	t.Cleanup(func() { _ = silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	old := readTimeout
	readTimeout = time.Second
	t.Cleanup(func() { readTimeout = old })

	for name, addr := range map[string]string{"refused": refusedAddr, "silent": silent.Addr().String()} {
		t.Run(name, func(t *testing.T) {
			cfg := &config.Config{Components: []config.Component{
				{Name: "db", Probes: []probes.Spec{{Kind: "mysql", DSN: "op:Secret-pw@tcp(" + addr + ")/"}},
					Actions: config.Actions{KillSession: &config.KillSession{},
						Switchover: &config.Switchover{Standby: "db2", ReplicationUser: "repl"}}},
				{Name: "db2", Probes: []probes.Spec{{Kind: "mysql", DSN: "op:Secret-pw@tcp(" + addr + ")/"}}},
			}}
			audit := filepath.Join(t.TempDir(), "a.jsonl")
			g := NewGuard(cfg, Options{AuditPath: audit})
			for _, kind := range []ActionKind{KillSession, Switchover, Failover} {
				start := time.Now()
				plan, err := g.Preview(context.Background(), Request{Action: kind, Component: "db", Thread: 7, Reason: "r"})
				require.NoError(t, err)
				require.ErrorIs(t, plan.Refusal, ErrPrecondition, "%s", kind)
				// A switchover preview reads both servers, each read bounded by readTimeout.
				grace.Within(t, time.Since(start), 2*readTimeout, string(kind))
				_, err = g.Execute(context.Background(), plan, plan.ConfirmWord, plan.SecondConfirm)
				require.ErrorIs(t, err, ErrPrecondition)
			}
			raw, err := os.ReadFile(audit)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), "Secret-pw")
		})
	}
}

func TestGuardOutcomeWriteFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl")
	g := NewGuard(fakeConfig(), Options{AuditPath: path})
	fa := &fakeAction{runs: &atomic.Int32{}, pre: okPre, onRun: func() {
		// The log disappears under us and a directory takes its name.
		_ = os.Remove(path)
		_ = os.Mkdir(path, 0o700)
	}}
	g.newAction = func(*Guard, ActionKind, *config.Component) (action, error) { return fa, nil }
	plan, err := g.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
	require.NoError(t, err)
	out, err := g.Execute(context.Background(), plan, "7", "")
	require.ErrorIs(t, err, ErrAudit)
	assert.Equal(t, int32(1), fa.runs.Load(), "it ran")
	assert.Equal(t, ResultNotRecorded, out.Result, "a result of done needs a record")
	assert.Equal(t, ResultDone, out.Ran)
	assert.Equal(t, "done — NOT RECORDED", out.Headline())
	assert.False(t, out.Recorded())
	assert.Nil(t, out.Record)
	require.NotNil(t, out.Draft)
	assert.Equal(t, PhaseOutcome, out.Draft.Phase)
	assert.Equal(t, 2, out.ExitCode(), "not recorded")
	assert.Contains(t, out.Next, "NOT in the audit log")
}

func TestOutcomeHeadlineAndExitCode(t *testing.T) {
	rec := &Record{}
	tests := []struct {
		name     string
		out      Outcome
		headline string
		code     int
	}{
		{"done and verified", Outcome{Result: ResultDone, Verified: true, Record: rec}, "done, verified", 0},
		{"done, not verified", Outcome{Result: ResultDone, Record: rec}, "done, NOT verified", 2},
		{"done and verified but no record", Outcome{Result: ResultDone, Verified: true}, "done, verified", 2},
		{"not recorded", Outcome{Result: ResultNotRecorded, Ran: ResultDone, Verified: true, Err: ErrAudit}, "done — NOT RECORDED", 2},
		{"failed, not recorded", Outcome{Result: ResultNotRecorded, Ran: ResultFailed, Err: ErrAudit}, "failed — NOT RECORDED", 2},
		{"refused", Outcome{Result: ResultRefused, Err: ErrReadOnly}, "refused", 1},
		{"dry run", Outcome{Result: ResultDryRun, Record: rec}, "dry-run", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.headline, tt.out.Headline())
			assert.Equal(t, tt.code, tt.out.ExitCode())
		})
	}
}

// TestGuardWithoutReprobeNeverClaimsVerified: a guard given no way to probe
// again says so, as unknown, rather than passing a verification.
func TestGuardWithoutReprobeNeverClaimsVerified(t *testing.T) {
	g := NewGuard(fakeConfig(), Options{AuditPath: filepath.Join(t.TempDir(), "a.jsonl")})
	st, sum := g.opts.Reprobe(t.Context(), "db")
	assert.Equal(t, probes.Unknown, st)
	assert.Contains(t, sum, "not verified")
}
