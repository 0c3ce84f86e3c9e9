package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/lab/daemons"
	"github.com/fivelayer/triage/probes/lab/training"
	"github.com/fivelayer/triage/probes/remedy"
)

// labRig is a running training estate probed by a real scheduler, with
// the guard as `triage lab --drill` wires it: restarts run this test
// binary as `triage lab restart NAME --control SOCKET` (TestMain).
type labRig struct {
	est   *training.Estate
	cfg   *config.Config
	sched *probes.Scheduler
	guard *remedy.Guard
	audit string
}

// startLab starts the estate; with data it needs MariaDB and Redis and
// skips (fails under CI=true) without them.
func startLab(t *testing.T, data bool) *labRig {
	t.Helper()
	if data {
		for _, bin := range []string{"mariadbd", "mariadb-install-db", "redis-server"} {
			if _, err := daemons.Binary(bin); err != nil {
				testenv.SkipOrFail(t, "a data drill needs %s: %v", bin, err)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	exe, err := os.Executable()
	require.NoError(t, err)
	est, err := training.StartWith(ctx, kinds.Registry, training.Options{Exe: []string{exe, "lab"}, NoData: !data})
	require.NoError(t, err)
	t.Cleanup(est.Close)
	cfg := loadTolerant(est.Config())
	targets, errs := kinds.Targets(cfg)
	require.Empty(t, errs)
	s := probes.NewScheduler(targets, probes.Options{Interval: time.Second})
	t.Cleanup(s.Close)
	s.Start(ctx)
	audit := t.TempDir() + "/audit.jsonl"
	g := remedy.NewGuard(cfg, remedy.Options{AuditPath: audit, Operator: "trainee", Origin: "-", Host: "lab",
		VerifyTimeout: grace.Scale(10 * time.Second)})
	return &labRig{est: est, cfg: cfg, sched: s, guard: g, audit: audit}
}

// loadTolerant is cfg with the DNS latency warning widened: the lab has no
// slow-DNS fault, and on a loaded two-core machine under -race a loopback
// answer can take longer than the 200 ms default (the training package's
// tests do the same). The components are copied.
func loadTolerant(cfg *config.Config) *config.Config {
	out := *cfg
	out.Components = slices.Clone(cfg.Components)
	for i, c := range out.Components {
		c.Probes = slices.Clone(c.Probes)
		for j, p := range c.Probes {
			if p.Kind == "dns" {
				ms := float64(grace.Scale(2*time.Second) / time.Millisecond)
				p.Thresholds = map[string]probes.Threshold{"resolve": probes.Above(ms, 2*ms)}
				c.Probes[j] = p
			}
		}
		out.Components[i] = c
	}
	return &out
}

// lockWaits is the primary's lock_waits check in words (a failure's message).
func (r *labRig) lockWaits() string {
	for _, res := range r.sched.Snapshot().Results() {
		if res.ID == "db-primary/mysql/lock_waits" {
			return fmt.Sprintf("%s: %s %v", res.Status, res.Summary, res.Evidence)
		}
	}
	return "no lock_waits result"
}

// rootBlocker is the first root blocker the primary's lock_waits
// evidence names, 0 while there is none.
func (r *labRig) rootBlocker() int64 {
	for _, res := range r.sched.Snapshot().Results() {
		if res.ID == "db-primary/mysql/lock_waits" {
			if roots, _ := res.Evidence["root_blockers"].([]int64); len(roots) > 0 {
				return roots[0]
			}
		}
	}
	return 0
}

// act previews and confirms an action through the guard, as the dialog
// does, and reports its outcome as the screen's observer would.
func (r *labRig) act(t *testing.T, observe func(Event), a Action, comp string) {
	t.Helper()
	ctx := context.Background()
	observe(Event{Time: time.Now(), Kind: ActionRequested, Action: a, Component: comp})
	req := remedy.Request{Action: remedy.ActionKind(a), Component: comp, Reason: "drill"}
	if a == KillSession {
		require.Eventually(t, func() bool { req.Thread = r.rootBlocker(); return req.Thread != 0 },
			grace.Scale(15*time.Second), 100*time.Millisecond, "the lock-wait chain names its root blocker: %s", r.lockWaits())
	}
	plan, err := r.guard.Preview(ctx, req)
	require.NoError(t, err)
	require.True(t, plan.Ready(), "%v %v", plan.Refusal, plan.Preconditions)
	if a == KillSession {
		require.Equal(t, strconv.FormatInt(req.Thread, 10), plan.ConfirmWord, "the trainee types the thread id")
	}
	out, err := r.guard.Execute(ctx, plan, plan.ConfirmWord, plan.SecondConfirm)
	t.Logf("%s: %s (%s)", plan.Label, out.Headline(), out.Verification)
	observe(Event{Time: time.Now(), Kind: ActionOutcome, Action: a, Component: comp, Result: out.Result, Text: out.Headline()})
}

// trainee is a scripted screen: it opens the drill-down on look, takes the
// moves in order once the fault shows, then waits for the drill to end.
func (r *labRig) trainee(t *testing.T, look string, moves ...Move) func(context.Context, func(Event)) error {
	return func(ctx context.Context, observe func(Event)) error {
		require.Eventually(t, func() bool { ok, _ := Green(r.sched.Snapshot().Results(), r.cfg.Topology()); return !ok },
			grace.Scale(15*time.Second), 100*time.Millisecond, "the hidden fault shows")
		observe(Event{Time: time.Now(), Kind: DrillDown, Component: look})
		for _, m := range moves {
			r.act(t, observe, m.Action, m.Component)
		}
		<-ctx.Done()
		return nil
	}
}

func (r *labRig) player(t *testing.T, screen func(context.Context, func(Event)) error, out *strings.Builder) Player {
	return Player{Lab: r.est, Sched: r.sched, Topology: r.cfg.Topology(), Trigger: r.sched.Trigger, Screen: screen,
		Limit: grace.Scale(90 * time.Second), SettleLimit: grace.Scale(30 * time.Second), Dir: t.TempDir(), Out: out}
}

func readScore(t *testing.T, path string) Result {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var r Result
	require.NoError(t, json.Unmarshal(b, &r))
	return r
}

// A hidden port-closed (no data layer needed): the drill-down on
// invoice-api, the right restart through the guard (a real `triage lab
// restart`), the estate green, a score file with the times and no wrong
// action.
func TestDrillRightActionScoresClean(t *testing.T) {
	r := startLab(t, false)
	var out strings.Builder
	p := r.player(t, r.trainee(t, "invoice-api", Move{Restart, "invoice-api"}), &out)
	s, err := p.Play(context.Background(), 7, []string{"port-closed"})
	require.NoError(t, err)
	require.Len(t, s.Drills, 1)
	d := s.Drills[0]
	t.Log(out.String())
	assert.Equal(t, "cleared", d.Ending)
	got := readScore(t, d.Files.Score)
	assert.Equal(t, "port-closed", got.Fault)
	cleanDrill(t, got)
	assert.Equal(t, got.Score.Total, d.Score)
	md, err := os.ReadFile(d.Files.Debrief)
	require.NoError(t, err)
	assert.Contains(t, string(md), "drill-down opened on invoice-api")
	assert.Contains(t, string(md), "action restart on invoice-api: done — **right**")
	assert.Contains(t, string(md), "## The expert path")
	fi, err := os.Stat(d.Files.Score)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	audit, err := os.ReadFile(r.audit)
	require.NoError(t, err)
	assert.Contains(t, string(audit), `"result":"done"`, "the restart went through the guard's audit")
	for _, f := range r.est.Faults() {
		assert.False(t, f.Active, "%s left active", f.Key)
	}
	assert.Contains(t, out.String(), "the fault was: port closed")
	assert.NotContains(t, strings.SplitN(out.String(), "the fault was", 2)[0], "port closed", "not named before the end")
}

// cleanDrill asserts a drill solved the expert's way: looked at the root
// cause, then the right action, then green; no wrong or risky action.
func cleanDrill(t *testing.T, got Result) {
	t.Helper()
	require.NotNil(t, got.TimeToDrillDown)
	require.NotNil(t, got.TimeToRightAction)
	require.NotNil(t, got.TimeToGreen)
	assert.LessOrEqual(t, *got.TimeToDrillDown, *got.TimeToRightAction, "looked, then acted")
	assert.LessOrEqual(t, *got.TimeToRightAction, *got.TimeToGreen)
	assert.Empty(t, got.Wrong)
	assert.Empty(t, got.Risky)
	assert.True(t, got.Score.Solved)
	assert.Zero(t, got.Score.Wrong)
	assert.Zero(t, got.Score.NoLook)
}

// The hidden lock wait: the drill-down on db-primary, K with the root
// blocker's thread id typed, green; no wrong action.
func TestLockWaitDrill(t *testing.T) {
	r := startLab(t, true)
	var out strings.Builder
	p := r.player(t, r.trainee(t, "db-primary", Move{KillSession, "db-primary"}), &out)
	s, err := p.Play(context.Background(), 1, []string{"lock-wait"})
	require.NoError(t, err)
	t.Log(out.String())
	require.Len(t, s.Drills, 1)
	got := readScore(t, s.Drills[0].Files.Score)
	assert.Equal(t, "cleared", got.Ending)
	assert.Equal(t, "db-primary", got.RootCause)
	cleanDrill(t, got)
}

// The hidden lock wait with the app restarted first: the restart runs
// (the guard allows it) but is recorded as a wrong action with its reason;
// the kill then clears the fault.
func TestLockWaitDrillRestartFirst(t *testing.T) {
	r := startLab(t, true)
	var out strings.Builder
	p := r.player(t, r.trainee(t, "invoice-api", Move{Restart, "invoice-api"}, Move{KillSession, "db-primary"}), &out)
	s, err := p.Play(context.Background(), 1, []string{"lock-wait"})
	require.NoError(t, err)
	t.Log(out.String())
	require.Len(t, s.Drills, 1)
	got := readScore(t, s.Drills[0].Files.Score)
	assert.Equal(t, "cleared", got.Ending)
	require.Len(t, got.Wrong, 1)
	assert.Equal(t, Move{Restart, "invoice-api"}, got.Wrong[0].Move)
	assert.Equal(t, "done", got.Wrong[0].Result, "the guard ran it: a real restart of the lab's instance")
	assert.Contains(t, got.Wrong[0].Why, "a restart for a lock wait")
	assert.Equal(t, WrongPenalty, got.Score.Wrong)
	assert.Equal(t, NoLookPenalty, got.Score.NoLook, "the drill-down was opened on invoice-api only")
	assert.Equal(t, []string{"invoice-api"}, got.LookedFirst)
	require.NotNil(t, got.TimeToRightAction)
	assert.Equal(t, Base-WrongPenalty-NoLookPenalty-got.Score.Time, got.Score.Total)
	md, err := os.ReadFile(s.Drills[0].Files.Debrief)
	require.NoError(t, err)
	assert.Contains(t, string(md), "wrong action at")
	assert.Contains(t, string(md), "action restart on invoice-api: done")
}

// A trainee who quits: the drill is not solved, the fault is cleared for
// the next one, and a series stops there.
func TestSeriesStopsWhenTheTraineeQuits(t *testing.T) {
	r := startLab(t, false)
	var out strings.Builder
	quit := func(ctx context.Context, observe func(Event)) error {
		observe(Event{Time: time.Now(), Kind: GuideOpened})
		return nil // q at once
	}
	p := r.player(t, quit, &out)
	order, err := Pick(PickSeries, 3, r.est.Faults())
	require.NoError(t, err)
	require.Equal(t, []string{"503-storm", "app-cpu-hog", "port-closed"}, sorted(order), "without the data layer: the instance's faults")
	s, err := p.Play(context.Background(), 3, order)
	require.NoError(t, err)
	require.Len(t, s.Drills, 1)
	assert.Equal(t, "quit", s.Drills[0].Ending)
	assert.Equal(t, 0, s.Total)
	assert.Equal(t, 100, s.Max)
	assert.NotEmpty(t, s.File, "a series writes its summary")
	for _, f := range r.est.Faults() {
		assert.False(t, f.Active, "%s left active after the quit", f.Key)
	}
	got := readScore(t, s.Drills[0].Files.Score)
	assert.Equal(t, 1, got.Hints.GuideOpened)
	assert.Contains(t, got.Missed, "left the drill before the estate was green")
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
