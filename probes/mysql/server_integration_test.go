package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

// openDB opens a pool the test itself uses to set the scene.
func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// newProbe builds a probe on dsn, given through an environment variable as
// a real config would.
func newProbe(t *testing.T, dsn string) *Probe {
	t.Helper()
	return newProbeSpec(t, dsn, probes.Spec{})
}

// newProbeSpec is newProbe with more of the spec (thresholds).
func newProbeSpec(t *testing.T, dsn string, spec probes.Spec) *Probe {
	t.Helper()
	env := "TRIAGE_TEST_DSN_" + randHex(4)
	t.Setenv(env, dsn)
	spec.Kind, spec.DSNEnv, spec.Component = "mysql", env, "db"
	p, err := MySQLKind.New(spec)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.(probes.Closer).Close() })
	return p.(*Probe)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// createUser makes a throwaway account with the given grants, dropped in
// cleanup, and returns its name and password.
func createUser(t *testing.T, db *sql.DB, grants ...string) (user, password string) {
	t.Helper()
	user, password = "triage_t_"+randHex(4), "pw-"+randHex(8)
	ctx := context.Background()
	_, err := db.ExecContext(ctx, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
	for _, g := range grants {
		_, err := db.ExecContext(ctx, fmt.Sprintf("GRANT %s TO '%s'@'%%'", g, user))
		require.NoError(t, err)
	}
	return user, password
}

// withUser rewrites dsn for another user and password, without a default
// database (a probe account needs none).
func withUser(t *testing.T, dsn, user, password string) string {
	t.Helper()
	cfg, err := driver.ParseDSN(dsn)
	require.NoError(t, err)
	cfg.User, cfg.Passwd, cfg.DBName = user, password, ""
	return cfg.FormatDSN()
}

func TestRoundIntegration(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	p := newProbe(t, dsn)
	first := runOnce(t, p, 5*time.Second)
	second := runOnce(t, p, 5*time.Second)

	for _, round := range []map[string]probes.Result{first, second} {
		c := round[CheckConnections]
		assert.Equal(t, probes.OK, c.Status, c.Summary)
		require.NotNil(t, c.Value)
		for _, k := range []string{"threads_connected", "max_connections", "threads_running", "processlist", "statements", "engine"} {
			assert.Contains(t, c.Evidence, k)
		}
		assert.LessOrEqual(t, c.Evidence["statements"], 8, "one round stays cheap")
		for _, name := range []string{CheckLockWaits, CheckLongTransactions, CheckHistoryLength, CheckReplication, CheckReadOnly, CheckFragmentation, CheckAuthFailures} {
			assert.NotEqual(t, probes.Unknown, round[name].Status, "%s: %s", name, round[name].Summary)
		}
	}
	t.Logf("engine %v; statements: first round %v, second round %v", first[CheckConnections].Evidence["engine"],
		first[CheckConnections].Evidence["statements"], second[CheckConnections].Evidence["statements"])
	assert.Contains(t, first[CheckAuthFailures].Summary, "rate from next round")
	assert.NotNil(t, second[CheckAuthFailures].Value)
	_, hasFrag := second[CheckFragmentation].Evidence["scanned_at"]
	assert.True(t, hasFrag, "fragmentation reuses the first round's scan")
	for _, r := range second {
		t.Logf("%-18s %-7s %s", r.Check, r.Status, r.Summary)
	}
}

func TestAuthFailuresIntegration(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	db := openDB(t, dsn)
	user, _ := createUser(t, db)
	p := newProbe(t, dsn)
	first := runOnce(t, p, 5*time.Second)
	assert.Contains(t, first[CheckAuthFailures].Summary, "rate from next round")

	bad := openDB(t, withUser(t, dsn, user, "wrong-"+randHex(4)))
	for i := 0; i < 55; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := bad.PingContext(ctx)
		cancel()
		require.Error(t, err)
	}
	res := runOnce(t, p, 5*time.Second)[CheckAuthFailures]
	require.NotNil(t, res.Value)
	assert.GreaterOrEqual(t, *res.Value, 55.0)
	assert.Equal(t, probes.Crit, res.Status, res.Summary)
	t.Logf("auth_failures: %s", res.Summary)
}

// runOnce runs one round under timeout and returns results by check name.
func runOnce(t *testing.T, p *Probe, timeout time.Duration) map[string]probes.Result {
	t.Helper()
	return testenv.RunByCheck(t, p, timeout)
}
