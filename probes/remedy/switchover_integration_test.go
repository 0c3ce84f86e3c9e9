package remedy

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab/mariadbtest"
	"github.com/fivelayer/triage/probes/mysql"
	"github.com/fivelayer/triage/probes/remedy/remedytest"
)

// pair is two mariadbd on loopback, primary → replica, with an app schema
// and an application account that, like a real one, lacks READ_ONLY ADMIN.
type pair struct {
	primary, replica *mariadbtest.Server
}

func startPair(t *testing.T) pair {
	t.Helper()
	primary, replica := mariadbtest.StartPair(t)
	primary.Exec(t,
		"CREATE DATABASE app",
		"CREATE TABLE app.w (id BIGINT PRIMARY KEY, via VARCHAR(16), at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))",
		"CREATE USER 'app'@'%' IDENTIFIED BY 'app-pw'",
		"GRANT SELECT, INSERT ON app.* TO 'app'@'%'")
	mariadbtest.WaitCaughtUp(t, primary, replica, 10*time.Second)
	return pair{primary, replica}
}

// config is db-primary (switchover enabled) and db-standby, reached as root
// through DSNs in environment variables, as a real config would.
func (p pair) config(t *testing.T, trafficArgv []string) *config.Config {
	t.Helper()
	t.Setenv("TRIAGE_TEST_PRIMARY_DSN", p.primary.RootDSN())
	t.Setenv("TRIAGE_TEST_STANDBY_DSN", p.replica.RootDSN())
	t.Setenv("TRIAGE_TEST_REPL_PW", mariadbtest.ReplPassword)
	return &config.Config{Components: []config.Component{
		{Name: "db-primary", Probes: []probes.Spec{{Kind: "mysql", DSNEnv: "TRIAGE_TEST_PRIMARY_DSN"}},
			Actions: config.Actions{Switchover: &config.Switchover{Standby: "db-standby", TrafficArgv: trafficArgv,
				ReplicationUser: mariadbtest.ReplUser, ReplicationPasswordEnv: "TRIAGE_TEST_REPL_PW"}}},
		{Name: "db-standby", Probes: []probes.Spec{{Kind: "mysql", DSNEnv: "TRIAGE_TEST_STANDBY_DSN"}}},
	}}
}

func logOutcome(t *testing.T, out Outcome) {
	t.Helper()
	for _, s := range out.Steps {
		t.Logf("step %-45s ok=%-5v %s %s", s.Name, s.OK, s.State, s.Error)
	}
	t.Logf("result=%s verified=%v: %s", out.Result, out.Verified, out.Verification)
	if out.Next != "" {
		t.Logf("next: %s", out.Next)
	}
}

func requireReady(t *testing.T, plan Plan) {
	t.Helper()
	for _, p := range plan.Preconditions {
		t.Logf("precondition %-32s ok=%-5v want %s, got %s", p.Name, p.OK, p.Want, p.Got)
	}
	require.NoError(t, plan.Refusal)
}

func TestSwitchoverUnderWrites(t *testing.T) {
	p := startPair(t)
	front := remedytest.StartNginx(t)
	cfg := p.config(t, []string{front.Hook, "standby"})
	w := remedytest.StartWriter(t, front, map[string]string{
		"primary": p.primary.DSN("app", "app-pw", "app"), "standby": p.replica.DSN("app", "app-pw", "app")}, "app.w")
	require.Eventually(t, func() bool { return len(w.Acked()) > 20 }, 10*time.Second, 20*time.Millisecond)

	g, auditPath := testGuard(t, cfg, Options{})
	ctx := context.Background()
	plan, err := g.Preview(ctx, Request{Action: Switchover, Component: "db-primary", Reason: "planned: test"})
	require.NoError(t, err)
	requireReady(t, plan)
	assert.Equal(t, "db-standby", plan.ConfirmWord)
	for _, c := range plan.Commands {
		t.Logf("command: %s", c)
	}
	before := len(w.Acked())

	out, err := g.Execute(ctx, plan, "db-standby", "")
	logOutcome(t, out)
	require.NoError(t, err)
	assert.Equal(t, ResultDone, out.Result)
	assert.True(t, out.Verified, out.Verification)
	assert.Equal(t, 0, out.ExitCode())

	// Traffic moved: nginx answers from the standby backend (a reload
	// returns before old workers stop, so retry for a second).
	assert.Eventually(t, func() bool { return front.Answer() == "standby" }, 2*time.Second, 50*time.Millisecond)
	// Writes continue on the new primary, then stop.
	require.Eventually(t, func() bool { return len(w.Acked()) > before+20 }, 10*time.Second, 20*time.Millisecond)
	w.Halt()

	// Roles swapped; the old primary replicates from the new one.
	assert.Equal(t, "0", p.replica.Query(t, "SELECT @@read_only"))
	assert.Equal(t, "1", p.primary.Query(t, "SELECT @@read_only"))
	mariadbtest.WaitCaughtUp(t, p.replica, p.primary, 10*time.Second)

	// No acknowledged row lost, and both servers hold the same rows.
	acked := w.Acked()
	assert.Empty(t, remedytest.Missing(t, p.replica.DB(t), "app.w", acked), "acknowledged rows missing on the new primary")
	sum := "SELECT CONCAT(COUNT(*), '/', SUM(CRC32(CONCAT(id, via, at)))) FROM app.w"
	assert.Equal(t, p.replica.Query(t, sum), p.primary.Query(t, sum))
	failed, last := w.Failed()
	t.Logf("writer: %d commits acknowledged, %d refused during the switch (last: %v); new primary count/checksum %s",
		len(acked), failed, last, p.replica.Query(t, sum))

	recs, _, err := ReadAudit(auditPath)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, []string{PhaseIntent, PhaseOutcome}, []string{recs[0].Phase, recs[1].Phase})
	assert.Equal(t, "planned: test", recs[1].Reason)
	raw, err := os.ReadFile(auditPath)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), mariadbtest.ReplPassword)
}

func TestSwitchoverTrafficHookFailsStopsWithState(t *testing.T) {
	p := startPair(t)
	g, _ := testGuard(t, p.config(t, []string{"/bin/sh", "-c", "echo proxy unreachable >&2; exit 3"}), Options{})
	ctx := context.Background()
	plan, err := g.Preview(ctx, Request{Action: Switchover, Component: "db-primary", Reason: "test"})
	require.NoError(t, err)
	requireReady(t, plan)
	out, err := g.Execute(ctx, plan, "db-standby", "")
	logOutcome(t, out)
	require.ErrorIs(t, err, ErrFailed)
	assert.Equal(t, 2, out.ExitCode())
	var hook StepResult
	for _, s := range out.Steps {
		if s.Name == "move traffic" {
			hook = s
		}
	}
	assert.False(t, hook.OK)
	assert.Contains(t, hook.Output, "proxy unreachable")
	assert.Equal(t, "release the global read lock on db-primary", out.Steps[len(out.Steps)-1].Name, "the lock does not outlive the switchover")
	assert.Contains(t, out.Next, "db-standby is the primary now and writable")
	assert.Contains(t, out.Next, "CHANGE MASTER TO")
	assert.NotContains(t, out.Next, mariadbtest.ReplPassword)
	assert.Equal(t, "0", p.replica.Query(t, "SELECT @@read_only"), "promoted")
	assert.Equal(t, "1", p.primary.Query(t, "SELECT @@read_only"), "left read-only, not demoted")
}

func TestSwitchoverStopsAndUndoesWhenWritersCannotBeLocked(t *testing.T) {
	p := startPair(t)
	old, oldAdmin := lockWaitTimeout, mysql.AdminLockWait
	lockWaitTimeout, mysql.AdminLockWait = 2*time.Second, 2*time.Second
	t.Cleanup(func() { lockWaitTimeout, mysql.AdminLockWait = old, oldAdmin })
	g, _ := testGuard(t, p.config(t, nil), Options{})
	ctx := context.Background()
	plan, err := g.Preview(ctx, Request{Action: Switchover, Component: "db-primary", Reason: "test"})
	require.NoError(t, err)
	requireReady(t, plan)

	// A session holding a table lock keeps SET GLOBAL read_only and FLUSH
	// TABLES WITH READ LOCK waiting past lock_wait_timeout: the switchover
	// cannot keep writers out, so it must stop (not hang) and undo before
	// anything moved.
	conn, err := p.primary.DB(t).Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = conn.ExecContext(ctx, "LOCK TABLES app.w WRITE")
	require.NoError(t, err)

	out, err := g.Execute(ctx, plan, "db-standby", "")
	logOutcome(t, out)
	_, _ = conn.ExecContext(ctx, "UNLOCK TABLES")
	require.ErrorIs(t, err, ErrFailed)
	assert.Contains(t, out.Next, "db-primary is writable again and db-standby is still its replica")
	assert.Equal(t, "0", p.primary.Query(t, "SELECT @@read_only"), "read_only undone")
	assert.Equal(t, "1", p.replica.Query(t, "SELECT @@read_only"), "standby untouched")
	mariadbtest.WaitCaughtUp(t, p.primary, p.replica, 10*time.Second)
}

func TestSwitchoverRefusedWhenTheReplicaStops(t *testing.T) {
	p := startPair(t)
	g, _ := testGuard(t, p.config(t, nil), Options{})
	ctx := context.Background()
	plan, err := g.Preview(ctx, Request{Action: Switchover, Component: "db-primary", Reason: "test"})
	require.NoError(t, err)
	requireReady(t, plan)
	p.replica.Exec(t, "STOP SLAVE SQL_THREAD") // between preview and confirmation
	out, err := g.Execute(ctx, plan, "db-standby", "")
	require.ErrorIs(t, err, ErrPrecondition)
	assert.Contains(t, err.Error(), "replica threads")
	assert.Empty(t, out.Steps, "nothing ran")
	assert.Equal(t, "0", p.primary.Query(t, "SELECT @@read_only"))

	plan, err = g.Preview(ctx, Request{Action: Switchover, Component: "db-primary", Reason: "test"})
	require.NoError(t, err)
	require.ErrorIs(t, plan.Refusal, ErrPrecondition, "the preview shows it too")
}

func TestFailoverShowsLostTransactions(t *testing.T) {
	p := startPair(t)
	// The replica stops receiving; the primary commits 5 more, then dies.
	p.replica.Exec(t, "STOP SLAVE IO_THREAD")
	for i := 1; i <= 5; i++ {
		p.primary.Exec(t, fmt.Sprintf("INSERT INTO app.w (id, via) VALUES (%d, 'lost')", i))
	}
	last := p.primary.Query(t, "SELECT @@gtid_binlog_pos")
	require.NoError(t, p.primary.Stop())
	p.replica.Exec(t, "START SLAVE IO_THREAD")

	cfg := p.config(t, nil)
	g, _ := testGuard(t, cfg, Options{LastKnownPosition: func(string) (string, time.Time) { return last, time.Now() }})
	ctx := context.Background()

	plan, err := g.Preview(ctx, Request{Action: Switchover, Component: "db-primary", Reason: "primary died"})
	require.NoError(t, err)
	require.ErrorIs(t, plan.Refusal, ErrPrecondition, "a planned switchover needs the primary")

	plan, err = g.Preview(ctx, Request{Action: Failover, Component: "db-primary", Reason: "primary died"})
	require.NoError(t, err)
	requireReady(t, plan)
	assert.Equal(t, "db-primary", plan.SecondConfirm)
	require.Len(t, plan.Warnings, 1)
	t.Logf("warning: %s", plan.Warnings[0])
	assert.Contains(t, plan.Warnings[0], "(5 transactions)")

	_, err = g.Execute(ctx, plan, "db-standby", "")
	require.ErrorIs(t, err, ErrNotConfirmed, "the second confirmation is required")
	out, err := g.Execute(ctx, plan, "db-standby", "db-primary")
	logOutcome(t, out)
	require.NoError(t, err)
	assert.True(t, out.Verified)
	assert.Contains(t, out.Next, "fence db-primary")
	assert.Equal(t, "0", p.replica.Query(t, "SELECT @@read_only"))
	assert.Equal(t, "0", p.replica.Query(t, "SELECT COUNT(*) FROM app.w"), "the 5 rows are lost, as shown")
}
