package mysql

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab/mariadbtest"
)

// TestReplicationIntegration runs against a pair the test starts itself
// (two fresh mariadbd on loopback ports, GTID replication), never against
// the machine's server on 3306.
func TestReplicationIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two mariadbd")
	}
	primary, replica := mariadbtest.StartPair(t)
	primary.Exec(t, "CREATE DATABASE app", "CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
	mariadbtest.WaitCaughtUp(t, primary, replica, 10*time.Second)

	pp := newProbe(t, primary.RootDSN())
	rp := newProbe(t, replica.RootDSN())

	t.Run("primary is not a replica and writable", func(t *testing.T) {
		res := runOnce(t, pp, 3*time.Second)
		assert.Equal(t, probes.OK, res[CheckReplication].Status)
		assert.Equal(t, "not a replica", res[CheckReplication].Summary)
		assert.Equal(t, "primary", res[CheckReplication].Evidence["role"])
		assert.Equal(t, 1.0, res[CheckReplication].Evidence["replicas_connected"])
		assert.Equal(t, probes.OK, res[CheckReadOnly].Status, res[CheckReadOnly].Summary)
	})

	t.Run("healthy replica", func(t *testing.T) {
		res := runOnce(t, rp, 3*time.Second)
		r := res[CheckReplication]
		assert.Equal(t, probes.OK, r.Status, r.Summary)
		assert.Contains(t, r.Summary, fmt.Sprintf("replicating from 127.0.0.1:%d, lag 0 s", primary.Port))
		assert.Equal(t, false, r.Evidence["errant_transactions"])
		ch := r.Evidence["channels"].([]map[string]any)[0]
		assert.Equal(t, "Yes", ch["io_running"])
		assert.Equal(t, "Slave_Pos", ch["using_gtid"])
		assert.Equal(t, probes.OK, res[CheckReadOnly].Status, res[CheckReadOnly].Summary)
		t.Logf("replication: %s; evidence %v", r.Summary, r.Evidence)
	})

	t.Run("SQL thread stopped while the primary writes", func(t *testing.T) {
		replica.Exec(t, "STOP SLAVE SQL_THREAD")
		t.Cleanup(func() { replica.Exec(t, "START SLAVE SQL_THREAD") })
		for i := 0; i < 20; i++ {
			primary.Exec(t, fmt.Sprintf("INSERT INTO app.t (v) VALUES (%d)", i))
		}
		r := runOnce(t, rp, 3*time.Second)[CheckReplication]
		assert.Equal(t, probes.Crit, r.Status)
		assert.Contains(t, r.Summary, "SQL thread stopped")
		ch := r.Evidence["channels"].([]map[string]any)[0]
		assert.Nil(t, ch["seconds_behind"], "NULL lag is unknown, never 0")
		assert.NotEqual(t, ch["gtid_io_pos"], r.Evidence["gtid_slave_pos"], "received but not applied")
		t.Logf("replication: %s (gtid_io_pos %v, gtid_slave_pos %v)", r.Summary, ch["gtid_io_pos"], r.Evidence["gtid_slave_pos"])
	})

	t.Run("lag while the SQL thread waits for a row lock", func(t *testing.T) {
		mariadbtest.WaitCaughtUp(t, primary, replica, 10*time.Second)
		// A local transaction on the replica holds the row the primary
		// changes next: the SQL thread runs but cannot apply, and lag grows.
		db := openDB(t, replica.RootDSN())
		s := openSession(t, db)
		_, err := s.conn.ExecContext(t.Context(), "BEGIN")
		require.NoError(t, err)
		_, err = s.conn.ExecContext(t.Context(), "SELECT * FROM app.t WHERE id = 1 FOR UPDATE")
		require.NoError(t, err)
		primary.Exec(t, "UPDATE app.t SET v = v + 100 WHERE id = 1")
		lp := newProbeSpec(t, replica.RootDSN(), probes.Spec{Thresholds: map[string]probes.Threshold{
			CheckReplication: {Warn: probes.V(2)}}})
		var r probes.Result
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if r = runOnce(t, lp, 3*time.Second)[CheckReplication]; r.Status == probes.Warn {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		assert.Equal(t, probes.Warn, r.Status, r.Summary)
		assert.Contains(t, r.Summary, "(warn > 2 s)")
		require.NotNil(t, r.Value)
		assert.Greater(t, *r.Value, 2.0)
		t.Logf("replication: %s", r.Summary)
		_, err = s.conn.ExecContext(t.Context(), "ROLLBACK")
		require.NoError(t, err)
		mariadbtest.WaitCaughtUp(t, primary, replica, 10*time.Second)
	})

	t.Run("IO thread stopped", func(t *testing.T) {
		mariadbtest.WaitCaughtUp(t, primary, replica, 10*time.Second)
		replica.Exec(t, "STOP SLAVE IO_THREAD")
		t.Cleanup(func() { replica.Exec(t, "START SLAVE IO_THREAD") })
		r := runOnce(t, rp, 3*time.Second)[CheckReplication]
		assert.Equal(t, probes.Crit, r.Status)
		assert.Contains(t, r.Summary, "IO thread stopped")
	})

	t.Run("writable replica and read-only primary are crit", func(t *testing.T) {
		replica.Exec(t, "SET GLOBAL read_only = OFF")
		primary.Exec(t, "SET GLOBAL read_only = ON")
		t.Cleanup(func() {
			replica.Exec(t, "SET GLOBAL read_only = ON")
			primary.Exec(t, "SET GLOBAL read_only = OFF")
		})
		r := runOnce(t, rp, 3*time.Second)[CheckReadOnly]
		assert.Equal(t, probes.Crit, r.Status)
		assert.Contains(t, r.Summary, "replica is writable")
		r = runOnce(t, pp, 3*time.Second)[CheckReadOnly]
		assert.Equal(t, probes.Crit, r.Status)
		assert.Contains(t, r.Summary, "primary is read-only")
	})

	t.Run("errant transaction on the replica", func(t *testing.T) {
		mariadbtest.WaitCaughtUp(t, primary, replica, 10*time.Second)
		// root holds READ_ONLY ADMIN, so read_only does not stop it: the
		// reference's way to make an errant GTID.
		replica.Exec(t, "INSERT INTO app.t (v) VALUES (-1)")
		r := runOnce(t, rp, 3*time.Second)[CheckReplication]
		assert.Equal(t, probes.Warn, r.Status, r.Summary)
		assert.Contains(t, r.Summary, "errant transactions")
		assert.Equal(t, true, r.Evidence["errant_transactions"])
		t.Logf("replication: %s", r.Summary)
	})
}

func TestReplicationPrivilegeOnReplicaIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two mariadbd")
	}
	primary, replica := mariadbtest.StartPair(t)
	_ = primary
	user, pw := createUser(t, openDB(t, replica.RootDSN()), "PROCESS ON *.*")
	res := runOnce(t, newProbe(t, replica.DSN(user, pw, "")), 3*time.Second)
	require.Equal(t, probes.Unknown, res[CheckReplication].Status)
	assert.Equal(t, "needs SLAVE MONITOR privilege (GRANT SLAVE MONITOR ON *.* TO …)", res[CheckReplication].Summary)
}
