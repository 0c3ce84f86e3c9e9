package mysql

import (
	"strconv"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// sampleDeadlock is a cached read of a deadlock that happened at `at`.
func sampleDeadlock(total float64, at time.Time) deadlockCache {
	return deadlockCache{read: true, total: total, ok: true, at: at, d: Deadlock{
		Time:       time.Date(2026, 12, 6, 17, 50, 1, 0, time.UTC),
		RolledBack: 1,
		Transactions: []DeadlockTrx{
			{Number: 1, ThreadID: 41, User: "app", Host: "10.0.0.7", Query: "UPDATE invoice SET paid = 1 WHERE id = 7",
				LockWaited: "`billing`.`invoice` index PRIMARY: lock_mode X waiting"},
			{Number: 2, ThreadID: 42, User: "app", Host: "10.0.0.8", Query: "UPDATE invoice SET paid = 1 WHERE id = 3",
				LocksHeld: []string{"`billing`.`invoice` index PRIMARY: lock_mode X"}},
		},
	}}
}

func TestDeadlocksGrading(t *testing.T) {
	t0 := time.Unix(100_000, 0)
	type step struct {
		after   time.Duration // since t0
		total   int
		cache   deadlockCache
		status  probes.Status
		warmup  bool
		summary string
		rate    *float64
	}
	tests := []struct {
		name   string
		th     map[string]probes.Threshold
		rounds []step
	}{
		{"quiet server", nil, []step{
			{0, 0, deadlockCache{read: true}, probes.Unknown, true, "no deadlock since start (Innodb_deadlocks 0); rate from next round", nil},
			{5 * time.Second, 0, deadlockCache{read: true}, probes.OK, false, "no deadlock since start (Innodb_deadlocks 0)", probes.V(0)},
		}},
		{"old deadlock, first round is warm-up", nil, []step{
			{0, 4, sampleDeadlock(4, t0.Add(-3*time.Hour)), probes.Unknown, true, "latest deadlock 3 h ago; rate from next round", nil},
			{5 * time.Second, 4, sampleDeadlock(4, t0.Add(-3*time.Hour)), probes.OK, false, "latest deadlock 3 h ago", probes.V(0)},
		}},
		{"recent deadlock warns on the first round", nil, []step{
			{0, 4, sampleDeadlock(4, t0.Add(-2*time.Minute)), probes.Warn, false,
				"latest 17:50:01 (2 min ago): thread 41 rolled back (UPDATE invoice SET paid = 1 WHERE id = 7) vs thread 42", nil},
			{4 * time.Minute, 4, sampleDeadlock(4, t0.Add(-2*time.Minute)), probes.OK, false, "latest deadlock 6 min ago", probes.V(0)},
		}},
		{"new deadlocks: warn, then crit above 6/min", nil, []step{
			{0, 1, deadlockCache{read: true, total: 1}, probes.Unknown, true, "no deadlock since start (Innodb_deadlocks 1); rate from next round", nil},
			{62 * time.Second, 4, sampleDeadlock(4, t0.Add(61*time.Second)), probes.Warn, false,
				"3 deadlock(s) in the last 1m2s (2.9/min) (warn > 0/min); latest 17:50:01 (1 s ago): thread 41 rolled back", probes.V(3 * 60 / 62.0)},
			{70 * time.Second, 14, sampleDeadlock(14, t0.Add(69*time.Second)), probes.Crit, false,
				"13 deadlock(s) in the last 1m10s (11.1/min) (crit > 6/min)", probes.V(13 * 60 / 70.0)},
		}},
		{"configured crit", map[string]probes.Threshold{CheckDeadlocks: {Crit: probes.V(1)}}, []step{
			{0, 0, deadlockCache{read: true}, probes.Unknown, true, "rate from next round", nil},
			{time.Second, 2, sampleDeadlock(2, t0), probes.Crit, false, "(crit > 1/min)", probes.V(2)},
		}},
		{"counter went backwards", nil, []step{
			{0, 9, sampleDeadlock(9, t0.Add(-time.Hour)), probes.Unknown, true, "", nil},
			{time.Second, 0, deadlockCache{read: true}, probes.Unknown, true, "counter went backwards", nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(probes.Spec{Kind: "mysql", Thresholds: tt.th})
			for i, s := range tt.rounds {
				r := baseRound()
				r.start = t0.Add(s.after)
				r.status["innodb_deadlocks"] = strconv.Itoa(s.total)
				p.dl = s.cache
				res := p.deadlocks(r)
				assert.Equal(t, s.status, res.Status, "round %d: %s", i, res.Summary)
				assert.Equal(t, s.warmup, res.Warmup, "round %d", i)
				assert.Contains(t, res.Summary, s.summary, "round %d", i)
				assert.Equal(t, float64(s.total), res.Evidence["deadlocks_total"])
				if s.rate == nil {
					assert.NotContains(t, res.Evidence, "per_minute", "round %d: absent in warm-up", i)
				} else {
					assert.InDelta(t, *s.rate, res.Evidence["per_minute"], 0.001, "round %d", i)
				}
			}
		})
	}
}

func TestDeadlocksEvidence(t *testing.T) {
	t0 := time.Unix(100_000, 0)
	p := New(probes.Spec{Kind: "mysql"})
	p.dl = sampleDeadlock(4, t0.Add(-40*time.Second))
	r := baseRound()
	r.start = t0
	r.status["innodb_deadlocks"] = "4"
	res := p.deadlocks(r)
	latest, ok := res.Evidence["latest"].(map[string]any)
	require.True(t, ok)
	assert.Equal(t, t0.Add(-40*time.Second).UTC().Format(time.RFC3339), latest["time"])
	assert.Equal(t, int64(40), latest["age_seconds"])
	assert.Equal(t, int64(41), latest["rolled_back_thread"])
	trx := latest["transactions"].([]map[string]any)
	require.Len(t, trx, 2)
	assert.Equal(t, map[string]any{"thread_id": int64(41), "user": "app", "host": "10.0.0.7",
		"query": "UPDATE invoice SET paid = 1 WHERE id = 7", "locks_held": []string{},
		"lock_waited": "`billing`.`invoice` index PRIMARY: lock_mode X waiting"}, trx[0])
	assert.Equal(t, []string{"`billing`.`invoice` index PRIMARY: lock_mode X"}, trx[1]["locks_held"])
}

func TestDeadlocksRefused(t *testing.T) {
	p := mariaProbe()
	denied := &driver.MySQLError{Number: 1227, Message: "Access denied; you need (at least one of) the PROCESS privilege(s) for this operation"}
	p.dl = deadlockCache{read: true, total: 3, err: denied}
	r := baseRound()
	r.status["innodb_deadlocks"] = "3"
	res := p.deadlocks(r)
	assert.Equal(t, probes.Unknown, res.Status)
	assert.Contains(t, res.Summary, "PROCESS privilege")
	assert.Contains(t, res.Err, "1227")
	assert.Equal(t, 3.0, res.Evidence["deadlocks_total"])
}
