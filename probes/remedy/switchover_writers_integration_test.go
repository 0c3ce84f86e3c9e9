package remedy

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/lab/mariadbtest"
	"github.com/fivelayer/triage/probes/remedy/remedytest"
)

// precondition returns the plan's precondition called name.
func precondition(t *testing.T, ps []Precondition, name string) Precondition {
	t.Helper()
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	require.Failf(t, "no precondition", "%q", name)
	return Precondition{}
}

// A writer on root (READ_ONLY ADMIN: MariaDB's read_only does not stop it)
// keeps inserting through the switchover. The global read lock and the
// kills must leave no write on the old primary after the target position:
// both servers end with the same rows and the old primary replicates.
func TestSwitchoverRootWriterCannotSplitThePair(t *testing.T) {
	p := startPair(t)
	front := remedytest.StartNginx(t)
	cfg := p.config(t, []string{front.Hook, "standby"})
	w := remedytest.StartWriter(t, front, map[string]string{
		"primary": p.primary.DSN("root", "", "app"), "standby": p.replica.DSN("root", "", "app")}, "app.w")
	require.Eventually(t, func() bool { return len(w.Acked()) > 20 }, 10*time.Second, 20*time.Millisecond)

	g, _ := testGuard(t, cfg, Options{})
	ctx := context.Background()
	plan, err := g.Preview(ctx, Request{Action: Switchover, Component: "db-primary", Reason: "planned: root writer"})
	require.NoError(t, err)
	requireReady(t, plan)
	priv := precondition(t, plan.Preconditions, "privileged sessions on primary")
	assert.Contains(t, priv.Got, "root@", "the root writer is listed")
	joined := strings.Join(plan.Commands, "\n")
	assert.Contains(t, joined, "FLUSH TABLES WITH READ LOCK", "the preview shows how they are kept out")
	assert.Contains(t, joined, "KILL CONNECTION")
	assert.Contains(t, joined, "UNLOCK TABLES")
	lockAt := strings.Index(joined, "FLUSH TABLES WITH READ LOCK")
	assert.Less(t, lockAt, strings.Index(joined, "-- TARGET"), "the lock is taken before the target position is read")
	assert.Less(t, strings.Index(joined, "RESET SLAVE ALL"), strings.Index(joined, "UNLOCK TABLES"), "and held until the promotion")

	before := len(w.Acked())
	out, err := g.Execute(ctx, plan, "db-standby", "")
	logOutcome(t, out)
	require.NoError(t, err)
	assert.Equal(t, ResultDone, out.Result)
	assert.True(t, out.Verified, out.Verification)

	require.Eventually(t, func() bool { return front.Answer() == "standby" }, 2*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool { return len(w.Acked()) > before+20 }, 10*time.Second, 20*time.Millisecond)
	w.Halt()
	mariadbtest.WaitCaughtUp(t, p.replica, p.primary, 10*time.Second)

	// The old primary replicates from the new one, without error.
	st := p.primary.DB(t)
	rows, err := st.QueryContext(ctx, "SHOW SLAVE STATUS")
	require.NoError(t, err)
	cols, err := rows.Columns()
	require.NoError(t, err)
	require.True(t, rows.Next(), "the old primary is a replica")
	vals := make([]any, len(cols))
	raw := make([][]byte, len(cols))
	for i := range vals {
		vals[i] = &raw[i]
	}
	require.NoError(t, rows.Scan(vals...))
	require.NoError(t, rows.Close())
	status := map[string]string{}
	for i, c := range cols {
		status[c] = string(raw[i])
	}
	assert.Equal(t, "Yes", status["Slave_IO_Running"], status["Last_IO_Error"])
	assert.Equal(t, "Yes", status["Slave_SQL_Running"], status["Last_SQL_Error"])
	assert.Equal(t, strconv.Itoa(p.replica.Port), status["Master_Port"])

	// Zero divergent rows: the same ids on both, each with the same content.
	sum := "SELECT CONCAT(COUNT(*), '/', COALESCE(SUM(CRC32(CONCAT(id, via, at))), 0)) FROM app.w"
	assert.Equal(t, p.replica.Query(t, sum), p.primary.Query(t, sum), "rows/checksum: new primary vs old primary")
	assert.Equal(t, p.replica.Query(t, "SELECT @@gtid_binlog_pos"), p.primary.Query(t, "SELECT @@gtid_current_pos"),
		"no GTID of the old primary's own after the switch")
	acked := w.Acked()
	assert.Empty(t, remedytest.Missing(t, p.replica.DB(t), "app.w", acked), "acknowledged rows missing on the new primary")
	failed, last := w.Failed()
	t.Logf("root writer: %d commits acknowledged, %d failed during the switch (last: %v); both servers %s",
		len(acked), failed, last, p.replica.Query(t, sum))
}

// A standby held back with MASTER_DELAY is behind on purpose: the precheck
// shows the delay and how far behind it is, and refuses.
func TestSwitchoverRefusesADelayedStandby(t *testing.T) {
	p := startPair(t)
	p.replica.Exec(t, "STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY = 30", "START SLAVE")
	p.primary.Exec(t, "INSERT INTO app.w (id, via) VALUES (1, 'before')")
	db := p.replica.DB(t)
	sbm := func() int64 {
		rows, err := db.Query("SHOW SLAVE STATUS")
		require.NoError(t, err)
		defer rows.Close()
		cols, _ := rows.Columns()
		if !rows.Next() {
			return -1
		}
		raw := make([]*string, len(cols))
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = &raw[i]
		}
		require.NoError(t, rows.Scan(vals...))
		for i, c := range cols {
			if c == "Seconds_Behind_Master" && raw[i] != nil {
				n, _ := strconv.ParseInt(*raw[i], 10, 64)
				return n
			}
		}
		return -1
	}
	// The delayed event sits in the relay log; Seconds_Behind grows.
	require.Eventually(t, func() bool { return sbm() >= 2 }, 20*time.Second, 200*time.Millisecond)

	g, _ := testGuard(t, p.config(t, nil), Options{})
	plan, err := g.Preview(context.Background(), Request{Action: Switchover, Component: "db-primary", Reason: "test"})
	require.NoError(t, err)
	for _, pc := range plan.Preconditions {
		t.Logf("precondition %-32s ok=%-5v want %s, got %s", pc.Name, pc.OK, pc.Want, pc.Got)
	}
	require.ErrorIs(t, plan.Refusal, ErrPrecondition)
	delay := precondition(t, plan.Preconditions, "replication delay")
	assert.False(t, delay.OK)
	assert.Regexp(t, `^MASTER_DELAY 30 s, \d+ s behind`, delay.Got)
	lag := precondition(t, plan.Preconditions, "replication lag")
	assert.False(t, lag.OK, "a delayed replica is not shown as 0 s behind: %s", lag.Got)
	assert.NotEqual(t, "0 s", lag.Got)

	out, err := g.Execute(context.Background(), plan, "db-standby", "")
	require.ErrorIs(t, err, ErrPrecondition)
	assert.Equal(t, ResultRefused, out.Result)
	assert.Equal(t, "0", p.primary.Query(t, "SELECT @@read_only"), "nothing ran")
}
