package drill

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab/training"
)

var t0 = time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func outcome(s float64, a Action, comp, result string) Event {
	return Event{Time: at(s), Kind: ActionOutcome, Action: a, Component: comp, Result: result}
}

// registry is a fault registry as the training estate's: three faults a
// restart of invoice-api clears, one no action clears, one whose part of
// the lab is missing.
var registry = []training.Fault{
	{Key: "503-storm", Name: "503 storm", Cause: training.Cause{Component: "invoice-api", Checks: []string{"http/status"}},
		Fix: training.Fix{Action: training.Restart, Component: "invoice-api"}},
	{Key: "breaker-open", Name: "breaker open", Cause: training.Cause{Component: "invoice-api", Checks: []string{"metrics/circuit_breaker"}}},
	{Key: "port-closed", Name: "port closed", Cause: training.Cause{Component: "invoice-api", Checks: []string{"tcp/connect"}},
		Fix: training.Fix{Action: training.Restart, Component: "invoice-api"}},
	{Key: "lock-wait", Name: "row-lock wait", Cause: training.Cause{Component: "db-primary", Checks: []string{"mysql/lock_waits"}},
		Fix: training.Fix{Action: training.KillSession, Component: "db-primary"}, Unavailable: "mariadbd is not installed"},
	{Key: "new-fault", Name: "new fault", Cause: training.Cause{Component: "cache", Checks: []string{"redis/clients"}},
		Fix: training.Fix{Action: training.Restart, Component: "invoice-api"}},
}

func know(t *testing.T, key string) Knowledge {
	t.Helper()
	k, ok := Lookup(registry, key)
	require.True(t, ok, key)
	return k
}

func TestKnowledge(t *testing.T) {
	k := know(t, "port-closed")
	assert.Equal(t, "invoice-api", k.RootCause)
	assert.Equal(t, []Move{{Restart, "invoice-api"}}, k.Right, "the right action is the registry's")
	assert.NotEmpty(t, k.Expert)
	assert.Equal(t, 2*time.Minute, k.Par)
	_, ok := Lookup(registry, "breaker-open")
	assert.False(t, ok, "no action clears it: not drillable")
	_, ok = Lookup(registry, "lock-wait")
	assert.False(t, ok, "its part of the lab is missing")
	n := know(t, "new-fault") // in the registry, not in the drill's table
	assert.Equal(t, "cache", n.RootCause)
	assert.Equal(t, []string{"Open the drill-down on cache: redis/clients.", "Take the right action: restart invoice-api (R).",
		"Watch the grade return to green."}, n.Expert)
	assert.Equal(t, 3*time.Minute, n.Par)
	for key, x := range experts {
		for _, m := range append(x.Wrong, x.Risky...) {
			assert.NotEmpty(t, m.Why, "%s: %s", key, m.Move)
		}
	}
}

func TestMeasureAndScore(t *testing.T) {
	k := know(t, "port-closed")
	look := Event{Time: at(20), Kind: DrillDown, Component: "invoice-api"}
	fix := outcome(40, Restart, "invoice-api", ResultDone)
	green := Event{Time: at(50), Kind: Cleared}
	tests := []struct {
		name   string
		events []Event
		want   Score
		check  func(t *testing.T, r Result)
	}{
		{
			name:   "expert: looked, right action within par, green",
			events: []Event{look, fix, green},
			want:   Score{Solved: true, Base: 100, Total: 100, Max: 100},
			check: func(t *testing.T, r Result) {
				assert.Equal(t, 20.0, *r.TimeToDrillDown)
				assert.Equal(t, 40.0, *r.TimeToRightAction)
				assert.Equal(t, 50.0, *r.TimeToGreen)
				assert.Empty(t, r.Wrong)
				assert.Empty(t, r.Missed)
				assert.Equal(t, "right", r.Events[2].Verdict)
			},
		},
		{
			name: "wrong component restarted first",
			events: []Event{{Time: at(5), Kind: DrillDown, Component: "nginx"}, outcome(10, Restart, "nginx", ResultDone),
				look, fix, green},
			want: Score{Solved: true, Base: 100, Wrong: WrongPenalty, Total: 100 - WrongPenalty, Max: 100},
			check: func(t *testing.T, r Result) {
				require.Len(t, r.Wrong, 1)
				assert.Equal(t, Move{Restart, "nginx"}, r.Wrong[0].Move)
				assert.Equal(t, 10.0, r.Wrong[0].At)
				assert.Equal(t, []string{"nginx"}, r.LookedFirst)
				assert.Contains(t, r.Missed[0], "looked at nginx before the root cause")
				assert.Contains(t, r.Missed[1], "wrong action at 10.0s: restart nginx (R)")
			},
		},
		{
			name: "a mistyped confirmation and a dry run are not actions; a preview is counted",
			events: []Event{look, {Time: at(25), Kind: ActionRequested, Action: Restart, Component: "nginx"},
				{Time: at(26), Kind: ActionOutcome, Action: Restart, Component: "nginx", Result: ResultRefused, Retry: true},
				outcome(27, Restart, "nginx", ResultDryRun), fix, green},
			want:  Score{Solved: true, Base: 100, Total: 100, Max: 100},
			check: func(t *testing.T, r Result) { assert.Equal(t, 1, r.ActionsRequested); assert.Empty(t, r.Wrong) },
		},
		{
			name:   "a wrong action the guard refused still counts: it was confirmed",
			events: []Event{look, outcome(30, Restart, "lab-dns", ResultRefused), fix, green},
			want:   Score{Solved: true, Base: 100, Wrong: WrongPenalty, Total: 100 - WrongPenalty, Max: 100},
			check: func(t *testing.T, r Result) {
				require.Len(t, r.Wrong, 1)
				assert.Equal(t, "lab-dns is not the root cause", r.Wrong[0].Why)
			},
		},
		{
			name: "slow: one point per started 10 s beyond par",
			events: []Event{look, outcome(k.Par.Seconds()+25, Restart, "invoice-api", ResultDone),
				{Time: at(k.Par.Seconds() + 30), Kind: Cleared}},
			want: Score{Solved: true, Base: 100, Time: 3, Total: 97, Max: 100},
		},
		{
			name:   "time penalty capped",
			events: []Event{look, outcome(3600, Restart, "invoice-api", ResultDone), {Time: at(3601), Kind: Cleared}},
			want:   Score{Solved: true, Base: 100, Time: TimeCap, Total: 100 - TimeCap, Max: 100},
		},
		{
			name: "hints: guide opened twice and three answers, capped",
			events: []Event{{Time: at(1), Kind: GuideOpened}, {Time: at(2), Kind: GuideAnswered}, {Time: at(3), Kind: GuideAnswered},
				{Time: at(4), Kind: GuideAnswered}, {Time: at(5), Kind: GuideOpened}, {Time: at(6), Kind: GuideOpened},
				{Time: at(7), Kind: GuideOpened}, look, fix, green},
			want: Score{Solved: true, Base: 100, Hints: HintCap, Total: 100 - HintCap, Max: 100},
			check: func(t *testing.T, r Result) {
				assert.Equal(t, Hints{GuideOpened: 4, StepsAnswered: 3}, r.Hints)
			},
		},
		{
			name:   "acted without looking at the root cause",
			events: []Event{fix, {Time: at(45), Kind: DrillDown, Component: "invoice-api"}, green},
			want:   Score{Solved: true, Base: 100, NoLook: NoLookPenalty, Total: 100 - NoLookPenalty, Max: 100},
			check: func(t *testing.T, r Result) {
				assert.Contains(t, r.Missed, "acted before opening the root cause's drill-down")
			},
		},
		{
			name:   "quit before fixing scores 0 and says what was missed",
			events: []Event{look, outcome(30, Restart, "nginx", ResultDone), {Time: at(60), Kind: Quit}},
			want:   Score{Base: 100, Wrong: WrongPenalty, Max: 100},
			check: func(t *testing.T, r Result) {
				assert.Equal(t, "quit", r.Ending)
				assert.Nil(t, r.TimeToRightAction)
				assert.Contains(t, r.Missed, "the right action was never done: restart invoice-api (R)")
				assert.Contains(t, r.Missed, "left the drill before the estate was green")
			},
		},
		{
			name:   "the right action failed: not solved at the time limit",
			events: []Event{look, outcome(30, Restart, "invoice-api", ResultFailed), {Time: at(900), Kind: TimeUp}},
			want:   Score{Base: 100, Max: 100},
			check:  func(t *testing.T, r Result) { assert.Equal(t, "time-up", r.Ending); assert.Empty(t, r.Wrong) },
		},
		{
			name:   "cleared without the right action is not solved",
			events: []Event{look, {Time: at(30), Kind: Cleared}},
			want:   Score{Base: 100, Max: 100},
			check: func(t *testing.T, r Result) {
				assert.Contains(t, r.Missed, "the estate recovered without the right action")
			},
		},
		{
			name:   "many mistakes never go below zero",
			events: append(repeat(outcome(10, Restart, "nginx", ResultDone), 8), look, fix, green),
			want:   Score{Solved: true, Base: 100, Wrong: 8 * WrongPenalty, Total: 0, Max: 100},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := append([]Event{{Time: t0, Kind: Injected, Component: k.RootCause}}, tt.events...)
			r := Measure(k, t0, events)
			assert.Equal(t, tt.want, r.Score)
			assert.Empty(t, events[1].Verdict, "Measure writes verdicts into its own copy")
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func repeat(e Event, n int) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = e
	}
	return out
}

func TestRiskyMove(t *testing.T) {
	k := Knowledge{Fault: "x", RootCause: "db", Right: []Move{{Switchover, "db"}},
		Risky: []Mismove{{Move{Failover, "db"}, "a failover when a switchover was possible"}}, Par: time.Minute}
	r := Measure(k, t0, []Event{{Time: t0, Kind: Injected}, {Time: at(5), Kind: DrillDown, Component: "db"},
		outcome(10, Failover, "db", ResultRefused), outcome(20, Switchover, "db", ResultDone), {Time: at(30), Kind: Cleared}})
	require.Len(t, r.Risky, 1)
	assert.Equal(t, "a failover when a switchover was possible", r.Risky[0].Why)
	assert.Equal(t, Score{Solved: true, Base: 100, Risky: RiskyPenalty, Total: 100 - RiskyPenalty, Max: 100}, r.Score)
	assert.Equal(t, "risky", r.Events[2].Verdict)
}

func TestSession(t *testing.T) {
	k := know(t, "503-storm")
	s := NewSession(k, t0)
	s.Observe(outcome(10, Restart, "nginx", ResultDone))
	assert.False(t, s.RightDone())
	s.Observe(outcome(20, Restart, "invoice-api", ResultFailed))
	assert.False(t, s.RightDone(), "a failed right action is not done")
	s.Observe(Event{Time: at(15), Kind: DrillDown, Component: "invoice-api"}) // arrives late, sorted by time
	s.Observe(outcome(30, Restart, "invoice-api", ResultDone))
	assert.True(t, s.RightDone())
	s.Observe(Event{Time: at(40), Kind: Cleared})
	assert.True(t, s.Ended())
	s.Observe(outcome(50, Restart, "nginx", ResultDone)) // after the end: not measured
	r := s.Result()
	assert.Equal(t, 15.0, *r.TimeToDrillDown)
	assert.Equal(t, 30.0, *r.TimeToRightAction)
	assert.Len(t, r.Wrong, 1)
	assert.Equal(t, Score{Solved: true, Base: 100, Wrong: WrongPenalty, Total: 100 - WrongPenalty, Max: 100}, r.Score)
}

func TestPick(t *testing.T) {
	avail := registry
	got, err := Pick("port-closed", 1, avail)
	require.NoError(t, err)
	assert.Equal(t, []string{"port-closed"}, got)

	_, err = Pick("breaker-open", 1, avail)
	require.ErrorIs(t, err, ErrNoDrill, "a fault no action clears is not drillable")
	assert.ErrorContains(t, err, "no guarded action clears it")
	_, err = Pick("lock-wait", 1, avail)
	assert.ErrorContains(t, err, "mariadbd is not installed")
	_, err = Pick("nope", 1, avail)
	require.ErrorIs(t, err, ErrNoDrill)
	_, err = Pick(PickRandom, 1, registry[1:2])
	require.ErrorIs(t, err, ErrNoDrill)

	s1, err := Pick(PickSeries, 42, avail)
	require.NoError(t, err)
	s2, _ := Pick(PickSeries, 42, avail)
	assert.Equal(t, s1, s2, "the same seed, the same order")
	assert.ElementsMatch(t, []string{"503-storm", "port-closed", "new-fault"}, s1)
	orders := map[string]bool{}
	for seed := range uint64(20) {
		s, _ := Pick(PickSeries, seed, avail)
		orders[join(s, ",")] = true
		r, _ := Pick(PickRandom, seed, avail)
		r2, _ := Pick(PickRandom, seed, avail)
		assert.Equal(t, r, r2)
	}
	assert.Greater(t, len(orders), 1, "seeds change the order")
}

// fakeSnaps serves a fixed snapshot.
type fakeSnaps struct{ snap probes.Snapshot }

func (f fakeSnaps) Snapshot() probes.Snapshot { return f.snap }

func TestWatch(t *testing.T) {
	k := know(t, "port-closed")
	bad := probes.Result{ID: "invoice-api/tcp/connect", Component: "invoice-api", Kind: "tcp", Status: probes.Crit}
	host := probes.Result{ID: "lab-host/host/cpu", Component: "lab-host", Kind: "host", Status: probes.Crit}
	ok := bad
	ok.Status = probes.OK
	snap := func(rs ...probes.Result) fakeSnaps {
		checks := make([]probes.CheckState, len(rs))
		for i, r := range rs {
			checks[i] = probes.CheckState{Result: r, Probed: true}
		}
		return fakeSnaps{probes.Snapshot{RoundStarted: time.Now().Add(time.Hour), Checks: checks}}
	}
	t.Run("time up names what is not green", func(t *testing.T) {
		s := NewSession(k, time.Now())
		s.Observe(Event{Time: time.Now(), Kind: ActionOutcome, Action: Restart, Component: "invoice-api", Result: ResultDone})
		end := Watch(context.Background(), s, snap(bad), WatchOptions{Limit: 50 * time.Millisecond, Poll: 5 * time.Millisecond})
		assert.Equal(t, TimeUp, end)
		ev := s.Events()
		assert.Equal(t, "limit 50ms; not green: invoice-api/tcp/connect crit", ev[len(ev)-1].Text)
	})
	t.Run("cleared after the right action; the observer's load does not count", func(t *testing.T) {
		s := NewSession(k, time.Now())
		s.Observe(Event{Time: time.Now(), Kind: ActionOutcome, Action: Restart, Component: "invoice-api", Result: ResultDone})
		assert.Equal(t, Cleared, Watch(context.Background(), s, snap(ok, host), WatchOptions{Poll: 5 * time.Millisecond}))
		assert.True(t, s.Ended())
	})
	t.Run("green but the fault still on and no action: not cleared", func(t *testing.T) {
		s := NewSession(k, time.Now())
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		assert.Equal(t, EventKind(""), Watch(ctx, s, snap(ok), WatchOptions{Active: func() bool { return true }, Poll: 5 * time.Millisecond}))
		assert.False(t, s.Ended(), "the caller records the quit")
	})
	t.Run("the fault went without the action", func(t *testing.T) {
		s := NewSession(k, time.Now())
		assert.Equal(t, Cleared, Watch(context.Background(), s, snap(ok), WatchOptions{Active: func() bool { return false }, Poll: 5 * time.Millisecond}))
		assert.Equal(t, "cleared", s.Result().Ending)
		assert.False(t, s.Result().Score.Solved)
	})
}

func TestDebriefIsSafeText(t *testing.T) {
	k := know(t, "port-closed")
	r := Measure(k, t0, []Event{{Time: t0, Kind: Injected}, {Time: at(1), Kind: DrillDown, Component: "invoice-api"},
		{Time: at(2), Kind: ActionOutcome, Action: Restart, Component: "nginx", Result: ResultDone, Text: "restart \x1b[31mred\x1b[0m | pipe, dsn root:s3cret-password@tcp"},
		{Time: at(3), Kind: Quit}})
	md := Debrief(r)
	assert.NotContains(t, md, "\x1b")
	assert.Contains(t, md, `restart red \| pipe`, "a pipe in a table cell is escaped")
	assert.Contains(t, md, "## Score: 0 / 100")
	assert.Contains(t, md, "Not solved (quit)")
	dir := t.TempDir()
	files, err := Write(dir, r, []string{"s3cret-password"})
	require.NoError(t, err)
	assert.Equal(t, dir+"/drills/20261206-210000-port-closed.md", files.Debrief)
	for _, f := range []string{files.Debrief, files.Score} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "s3cret-password", f)
		assert.Contains(t, string(b), "root:…@tcp", f)
	}
}
