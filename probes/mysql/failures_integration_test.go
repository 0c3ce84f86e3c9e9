package mysql

import (
	"strings"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

// assertNoSecret checks no field of any result quotes the password.
func assertNoSecret(t *testing.T, res map[string]probes.Result, secret string) {
	t.Helper()
	for _, r := range res {
		assert.NotContains(t, r.Summary, secret)
		assert.NotContains(t, r.Err, secret)
		for k, v := range r.Evidence {
			if s, ok := v.(string); ok {
				assert.NotContains(t, s, secret, k)
			}
		}
	}
}

func TestConnectFailuresIntegration(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	db := openDB(t, dsn)
	user, _ := createUser(t, db)
	const timeout = time.Second
	tests := []struct {
		name    string
		dsn     string
		summary string
	}{
		{"wrong password", withUser(t, dsn, user, "Wr0ng-Secret-xyzzy"), "access denied for user " + user + " (check the DSN's password)"},
		{"server down", "root:Wr0ng-Secret-xyzzy@tcp(" + testenv.Refused(t) + ")/", "connection refused by 127.0.0.1:"},
		{"server hanging", "root:Wr0ng-Secret-xyzzy@tcp(" + testenv.Hanging(t) + ")/", "timed out after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProbe(t, tt.dsn)
			start := time.Now()
			res := runOnce(t, p, timeout)
			took := time.Since(start)
			grace.Within(t, took, timeout, "returns at the deadline")
			c := res[CheckConnections]
			assert.Equal(t, probes.Crit, c.Status)
			assert.Contains(t, c.Summary, tt.summary)
			assert.NotEmpty(t, c.Err)
			for name, r := range res {
				if name != CheckConnections {
					assert.Equal(t, probes.Unknown, r.Status, name)
					assert.True(t, strings.HasPrefix(r.Summary, "not measured: "), r.Summary)
				}
			}
			assertNoSecret(t, res, "Wr0ng-Secret-xyzzy")
			t.Logf("%s in %s: connections %s: %s (err %q)", tt.name, took.Round(time.Millisecond), c.Status, c.Summary, c.Err)
		})
	}
}

func TestPrivilegeFailuresIntegration(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	db := openDB(t, dsn)
	t.Run("no PROCESS", func(t *testing.T) {
		user, pw := createUser(t, db) // USAGE only
		res := runOnce(t, newProbe(t, withUser(t, dsn, user, pw)), 3*time.Second)
		assert.Equal(t, probes.OK, res[CheckConnections].Status, res[CheckConnections].Summary)
		assert.Equal(t, "own sessions only (no PROCESS privilege)", res[CheckConnections].Evidence["processlist_scope"])
		for _, name := range []string{CheckLockWaits, CheckLongTransactions} {
			assert.Equal(t, probes.Unknown, res[name].Status, name)
			assert.Equal(t, "needs PROCESS privilege (GRANT PROCESS ON *.* TO …)", res[name].Summary, name)
		}
		assert.Equal(t, probes.Unknown, res[CheckReplication].Status)
		assert.Contains(t, res[CheckReplication].Summary, "SLAVE MONITOR")
		for _, r := range res {
			t.Logf("%-18s %-7s %s", r.Check, r.Status, r.Summary)
		}
	})
	t.Run("PROCESS without SLAVE MONITOR", func(t *testing.T) {
		user, pw := createUser(t, db, "PROCESS ON *.*")
		res := runOnce(t, newProbe(t, withUser(t, dsn, user, pw)), 3*time.Second)
		assert.NotEqual(t, probes.Unknown, res[CheckLockWaits].Status, res[CheckLockWaits].Summary)
		assert.NotEqual(t, probes.Unknown, res[CheckLongTransactions].Status)
		assert.Equal(t, probes.Unknown, res[CheckReplication].Status)
		assert.Equal(t, "needs SLAVE MONITOR privilege (GRANT SLAVE MONITOR ON *.* TO …)", res[CheckReplication].Summary)
		assert.Equal(t, probes.Unknown, res[CheckReadOnly].Status)
		assert.Contains(t, res[CheckReadOnly].Summary, "role unknown")
	})
	t.Run("the reference's probe account sees everything", func(t *testing.T) {
		user, pw := createUser(t, db, "PROCESS, SLAVE MONITOR ON *.*")
		res := runOnce(t, newProbe(t, withUser(t, dsn, user, pw)), 3*time.Second)
		for _, r := range res {
			assert.NotEqual(t, probes.Unknown, r.Status, "%s: %s", r.Check, r.Summary)
		}
	})
}

func TestMissingDSNIsUnknown(t *testing.T) {
	p := New(probes.Spec{Kind: "mysql", DSNEnv: "TRIAGE_TEST_DSN_NOT_SET_" + randHex(4)})
	res := runOnce(t, p, time.Second)
	for _, r := range res {
		assert.Equal(t, probes.Unknown, r.Status)
		assert.Contains(t, r.Summary, "is not set")
	}
}
