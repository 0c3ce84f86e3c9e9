package training

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/lab/daemons"
	"github.com/fivelayer/triage/probes/remedy"
)

// dataLab is a running estate with its data layer, its scheduler and the
// guard, as `triage lab` wires them.
type dataLab struct {
	e     *Estate
	cfg   *config.Config
	s     *probes.Scheduler
	guard *remedy.Guard
	audit string
	last  []probes.Result
}

// startDataLab starts the estate with MariaDB and Redis; without them the
// test skips (fails under CI=true) with the reason.
func startDataLab(t *testing.T) *dataLab {
	t.Helper()
	for _, bin := range []string{"mariadbd", "mariadb-install-db", "redis-server"} {
		if _, err := daemons.Binary(bin); err != nil {
			testenv.SkipOrFail(t, "the lab's data layer needs %s: %v", bin, err)
		}
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	e, err := StartWith(context.Background(), kinds.Registry, Options{Exe: []string{exe, "lab"}})
	require.NoError(t, err)
	t.Cleanup(e.Close)
	require.NoError(t, e.data.dbErr, "data layer")
	require.NoError(t, e.data.cacheErr, "cache")
	cfg := loadTolerant(e.Config())
	targets, errs := kinds.Targets(cfg)
	require.Empty(t, errs)
	s := probes.NewScheduler(targets, probes.Options{Interval: 2 * time.Second})
	t.Cleanup(s.Close)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	l := &dataLab{e: e, cfg: cfg, s: s, audit: audit}
	// The guard verifies through the lab's own scheduler, as the screen's does.
	l.guard = remedy.NewGuard(cfg, remedy.Options{AuditPath: audit, Operator: "trainee",
		VerifyTimeout: grace.Scale(30 * time.Second), Reprobe: l.reprobe})
	return l
}

// reprobe runs a round of the lab's scheduler and grades one component.
func (l *dataLab) reprobe(ctx context.Context, component string) (probes.Status, string) {
	var rs []probes.Result
	for _, r := range l.s.Round(ctx).Results() {
		if r.Component == component {
			rs = append(rs, r)
		}
	}
	return probes.Summarize(rs)
}

// round runs one probe round and assesses it; the results are kept for
// the evidence a trainee reads in the drill-down.
func (l *dataLab) round(t *testing.T) incident.Assessment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), grace.Scale(20*time.Second))
	defer cancel()
	l.last = l.s.Round(ctx).Results()
	return incident.Assess(l.last, l.cfg.Topology())
}

// waitGreen runs rounds 2 s apart until the estate grades green, at most
// within limit (the slowest window among the checks, plus grace).
func (l *dataLab) waitGreen(t *testing.T, limit time.Duration, what string) {
	t.Helper()
	l.waitGreenExcept(t, limit, what, nil)
}

// waitGreenExcept is waitGreen where excused results count as ok (and
// are logged): a check that by design remembers a past event.
func (l *dataLab) waitGreenExcept(t *testing.T, limit time.Duration, what string, excused func(probes.Result) bool) {
	t.Helper()
	deadline := time.Now().Add(limit + grace.Period())
	var a incident.Assessment
	for {
		l.round(t)
		rs := slices.Clone(l.last)
		for i, r := range rs {
			if excused != nil && r.Status != probes.OK && excused(r) {
				t.Logf("excused: %s %s: %s", r.ID, r.Status, r.Summary)
				rs[i].Status = probes.OK
			}
		}
		a = incident.Assess(rs, l.cfg.Topology())
		if a.Grade == incident.Green {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	var bad []string
	for _, rc := range a.Diagnosis.RootCauses {
		bad = append(bad, rc.CheckID+": "+rc.Summary)
	}
	t.Fatalf("%s: not green within %s: %s; root causes %v", what, limit, a.Grade, bad)
}

// expectCause injects nothing: it runs up to two rounds, 2 s apart, and
// returns the first assessment whose diagnosis names the fault's cause.
func (l *dataLab) expectCause(t *testing.T, f Fault) incident.Assessment {
	t.Helper()
	var a incident.Assessment
	for i := range 2 {
		if i > 0 {
			time.Sleep(2 * time.Second)
		}
		a = l.round(t)
		for _, rc := range a.Diagnosis.RootCauses {
			if rc.Component == f.Cause.Component && slices.Contains(f.Cause.Checks, rc.CheckID[len(rc.Component)+1:]) {
				t.Logf("round %d: %s, root cause %s: %s", i+1, a.Grade, rc.CheckID, rc.Summary)
				return a
			}
		}
	}
	var got []string
	for _, rc := range a.Diagnosis.RootCauses {
		got = append(got, rc.CheckID+" "+rc.Status.String()+": "+rc.Summary)
	}
	t.Fatalf("%s: root cause %s %v not in the diagnosis within two rounds; got %v", f.Key, f.Cause.Component, f.Cause.Checks, got)
	return a
}

// act previews the fault's right action through the guard, types what
// the plan asks for and requires it done and verified.
func (l *dataLab) act(t *testing.T, req remedy.Request) remedy.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), grace.Scale(2*time.Minute))
	defer cancel()
	plan, err := l.guard.Preview(ctx, req)
	require.NoError(t, err)
	for _, p := range plan.Preconditions {
		t.Logf("precondition %-28s ok=%-5v want %s, got %s", p.Name, p.OK, p.Want, p.Got)
	}
	require.NoError(t, plan.Refusal, "plan: %s", plan.Label)
	require.True(t, plan.Ready(), "plan: %s", plan.Label)
	out, err := l.guard.Execute(ctx, plan, plan.ConfirmWord, plan.SecondConfirm)
	for _, s := range out.Steps {
		t.Logf("step %-40s ok=%-5v %s %s", s.Name, s.OK, s.State, s.Error)
	}
	require.NoError(t, err, "%s: %s", out.Headline(), out.Next)
	t.Logf("%s: %s (%s)", plan.Label, out.Headline(), out.Verification)
	require.Equal(t, remedy.ResultDone, out.Result)
	assert.True(t, out.Verified, out.Verification)
	return out
}

func faultByKey(t *testing.T, e *Estate, key string) Fault {
	t.Helper()
	for _, f := range e.Faults() {
		if f.Key == key {
			return f
		}
	}
	t.Fatalf("no fault %q", key)
	return Fault{}
}

// greenLimit bounds the return to green: the metrics' and Redis's rate
// windows are a minute at most, and a deadlock is remembered for a minute.
const greenLimit = 90 * time.Second

// TestFixActionsAreTheGuards: the registry's action names are the guard's.
func TestFixActionsAreTheGuards(t *testing.T) {
	for a, k := range map[Action]remedy.ActionKind{KillSession: remedy.KillSession, KillQuery: remedy.KillQuery,
		Restart: remedy.Restart, Switchover: remedy.Switchover, Failover: remedy.Failover} {
		assert.Equal(t, string(k), string(a))
	}
}

// TestDataFaultsEndToEnd: for each new fault, inject it into a fresh lab,
// find its root cause in the diagnosis within two rounds, take the right
// action through the guard, and see the lab return to green.
func TestDataFaultsEndToEnd(t *testing.T) {
	for _, key := range []string{"lock-wait", "deadlock-storm", "db-connection-flood", "redis-client-flood",
		"replica-sql-stopped", "primary-down", "app-cpu-hog"} {
		t.Run(key, func(t *testing.T) {
			l := startDataLab(t)
			f := faultByKey(t, l.e, key)
			require.Empty(t, f.Unavailable)
			l.round(t) // the rates' first sample
			l.waitGreen(t, 20*time.Second, "before the fault")
			require.NoError(t, l.e.Set(key, true))
			l.expectCause(t, f)
			req := remedy.Request{Action: remedy.ActionKind(f.Fix.Action), Component: f.Fix.Component, Reason: "lab drill: " + key}
			if f.Fix.Action == KillSession {
				// The root blocker the diagnosis names is what the trainee types.
				roots := l.rootBlockers()
				require.NotEmpty(t, roots)
				req.Thread = roots[0]
			}
			l.act(t, req)
			if key == "primary-down" {
				require.Equal(t, dbReplica, l.e.Primary(), "the traffic hook moved invoice-api")
				// Rebuild the old primary as the new one's replica.
				require.NoError(t, l.e.Set(key, false))
			}
			assert.False(t, faultByKey(t, l.e, key).Active, "the action cleared %s", key)
			var excused func(probes.Result) bool
			if key == "deadlock-storm" {
				// The deadlocks check stays warn for 5 minutes after the
				// latest deadlock (mysql.DefaultDeadlockRecent, so a one-shot
				// check still reports it): excused once no new one comes.
				excused = func(r probes.Result) bool {
					pm, ok := r.Evidence["per_minute"].(float64)
					return r.ID == dbPrimary+"/mysql/deadlocks" && r.Status == probes.Warn && ok && pm == 0
				}
			}
			l.waitGreenExcept(t, greenLimit, "after "+string(f.Fix.Action), excused)
		})
	}
}

// rootBlockers reads root_blockers from the last round's lock_waits evidence.
func (l *dataLab) rootBlockers() []int64 {
	for _, r := range l.last {
		if r.ID == dbPrimary+"/mysql/lock_waits" {
			roots, _ := r.Evidence["root_blockers"].([]int64)
			return roots
		}
	}
	return nil
}

func TestDataLabConfig(t *testing.T) {
	l := startDataLab(t)
	cfg := l.e.Config()
	assert.Empty(t, cfg.Warnings, "DSNs come from files")
	assert.Equal(t, []string{"nginx", "invoice-api", dbPrimary}, cfg.Core)
	api, ok := cfg.Component(appName)
	require.True(t, ok)
	assert.Equal(t, []string{dbPrimary, cacheName}, api.Knowledge.DependsOn)
	require.NotNil(t, api.Actions.Restart)
	assert.Equal(t, []string{"restart", "--control", l.e.ControlPath(), appName}, api.Actions.Restart.Argv[2:])
	p, ok := cfg.Component(dbPrimary)
	require.True(t, ok)
	require.NotNil(t, p.Actions.KillSession)
	require.NotNil(t, p.Actions.Switchover)
	assert.Equal(t, dbReplica, p.Actions.Switchover.Standby)
	assert.Equal(t, []string{"traffic", "--control", l.e.ControlPath(), dbReplica}, p.Actions.Switchover.TrafficArgv[2:])
	b, err := os.ReadFile(l.e.ConfigPath())
	require.NoError(t, err)
	_, err = config.Parse(b, l.e.ConfigPath(), kinds.Registry)
	require.NoError(t, err, "the written config is the one the lab runs")
	st, err := os.Stat(l.e.dsnPath(dbPrimary))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
}

// TestDataLabStartsGreen: the lab with its data layer grades green at its
// first graded round, whatever else the machine runs (the server layer is
// the lab's instance). The start time is logged, not asserted.
func TestDataLabStartsGreen(t *testing.T) {
	start := time.Now()
	l := startDataLab(t)
	t.Logf("lab with MariaDB pair and Redis started in %s", time.Since(start).Round(time.Millisecond))
	l.round(t)
	time.Sleep(time.Second)
	a := l.round(t)
	for _, r := range l.last {
		assert.Equal(t, probes.OK, r.Status, "%s: %s", r.ID, r.Summary)
	}
	assert.Equal(t, incident.Green, a.Grade, a.Reason)
}

// TestSwitchoverMovesTheApplication: a planned switchover of the lab pair
// through the guard; the traffic hook moves invoice-api, whose requests
// keep succeeding on the new primary.
func TestSwitchoverMovesTheApplication(t *testing.T) {
	l := startDataLab(t)
	l.round(t)
	l.waitGreen(t, 20*time.Second, "before the switchover")
	l.act(t, remedy.Request{Action: remedy.Switchover, Component: dbPrimary, Reason: "lab: planned switchover drill"})
	assert.Equal(t, dbReplica, l.e.Primary())
	_, target := l.e.app.store.pool()
	assert.Equal(t, dbReplica, target)
	l.waitGreen(t, greenLimit, "after the switchover")
}

// TestInvoiceAPIUsesTheDataLayer: a read counts a view in the database and
// caches the invoice in Redis; a missing invoice is 404, not an error; a
// create takes the next number from the counter row.
func TestInvoiceAPIUsesTheDataLayer(t *testing.T) {
	l := startDataLab(t)
	get := func(path string, method string) (int, string) {
		req, err := http.NewRequest(method, "http://"+l.e.AppAddr()+path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	db, err := sql.Open("mysql", l.e.data.server(dbPrimary).RootDSN())
	require.NoError(t, err)
	defer db.Close()
	views := func() int {
		var n int
		require.NoError(t, db.QueryRow("SELECT views FROM invoicing.invoice WHERE id = 10500").Scan(&n))
		return n
	}
	before := views()
	code, body := get("/api/invoices/10500", http.MethodGet)
	require.Equal(t, http.StatusOK, code, body)
	assert.Greater(t, views(), before, "the read wrote the row")
	c, err := net.Dial("tcp", l.e.RedisAddr())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(grace.Scale(5*time.Second))))
	_, err = fmt.Fprintf(c, "*2\r\n$6\r\nEXISTS\r\n$%d\r\n%s\r\n", len("lab:invoice:10500"), "lab:invoice:10500")
	require.NoError(t, err)
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, ":1\r\n", string(buf[:n]), "the invoice is cached")

	code, body = get("/api/invoices/95001", http.MethodGet)
	assert.Equal(t, http.StatusNotFound, code, body)
	code, body = get("/api/invoices", http.MethodPost)
	assert.Equal(t, http.StatusCreated, code, body)
	assert.Contains(t, body, `"id":1000`, "numbered from the counter row (100000 and up)")
}
