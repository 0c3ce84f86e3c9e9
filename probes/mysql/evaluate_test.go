package mysql

import (
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// rw builds a row from name, value pairs; the value "NULL" is SQL NULL.
func rw(kv ...string) row {
	r := row{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "NULL" {
			r[kv[i]] = nil
			continue
		}
		v := kv[i+1]
		r[kv[i]] = &v
	}
	return r
}

func mariaProbe() *Probe {
	p := New(probes.Spec{Kind: "mysql"})
	p.engine, p.engineKnown = ParseEngine("10.11.19-MariaDB", ""), true
	p.tgt = target{user: "probe", addr: "127.0.0.1:3306"}
	return p
}

func baseRound() *round {
	return &round{
		start:  time.Unix(1000, 0),
		vars:   map[string]string{"max_connections": "100", "read_only": "OFF", "version": "10.11.19-MariaDB"},
		status: map[string]string{"threads_connected": "10", "threads_running": "2", "aborted_connects": "5", "connection_errors_max_connections": "0"},
	}
}

func replicaRow(io, sqlT, sbm string) row {
	return rw("connection_name", "", "master_host", "10.0.0.1", "master_port", "3306",
		"slave_io_running", io, "slave_sql_running", sqlT, "seconds_behind_master", sbm, "sql_delay", "0",
		"last_io_errno", "0", "last_io_error", "", "last_sql_errno", "0", "last_sql_error", "")
}

func TestReplicationVerdicts(t *testing.T) {
	tests := []struct {
		name     string
		replicas []row
		vars     map[string]string
		status   probes.Status
		summary  string
	}{
		{"not a replica", nil, nil, probes.OK, "not a replica"},
		{"healthy", []row{replicaRow("Yes", "Yes", "0")}, nil, probes.OK, "replicating from 10.0.0.1:3306, lag 0 s"},
		{"lag warn", []row{replicaRow("Yes", "Yes", "45")}, nil, probes.Warn, "lag 45 s (warn > 30 s)"},
		{"lag crit", []row{replicaRow("Yes", "Yes", "400")}, nil, probes.Crit, "lag 400 s (crit > 300 s)"},
		{"sql stopped", []row{replicaRow("Yes", "No", "NULL")}, nil, probes.Crit, "SQL thread stopped"},
		{"io connecting", []row{replicaRow("Connecting", "Yes", "NULL")}, nil, probes.Crit, "IO thread connecting to 10.0.0.1:3306"},
		{"io stopped", []row{replicaRow("No", "Yes", "NULL")}, nil, probes.Crit, "IO thread stopped"},
		{"lag null while running", []row{replicaRow("Yes", "Yes", "NULL")}, nil, probes.Warn, "lag unknown"},
		{"errant", []row{replicaRow("Yes", "Yes", "0")},
			map[string]string{"gtid_current_pos": "0-2-447", "gtid_slave_pos": "0-1-446"}, probes.Warn, "errant transactions"},
		{"mysql 8 names", []row{rw("channel_name", "", "source_host", "h", "source_port", "3306",
			"replica_io_running", "Yes", "replica_sql_running", "No", "seconds_behind_source", "NULL")}, nil, probes.Crit, "SQL thread stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mariaProbe()
			r := baseRound()
			r.replicas = tt.replicas
			for k, v := range tt.vars {
				r.vars[k] = v
			}
			res := p.replication(r)
			assert.Equal(t, tt.status, res.Status, res.Summary)
			assert.Contains(t, res.Summary, tt.summary)
		})
	}
}

func TestReplicationNeedsPrivilege(t *testing.T) {
	p := mariaProbe()
	r := baseRound()
	r.replErr = &driver.MySQLError{Number: 1227, Message: "Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation"}
	res := p.replication(r)
	assert.Equal(t, probes.Unknown, res.Status)
	assert.Equal(t, "needs SLAVE MONITOR privilege (GRANT SLAVE MONITOR ON *.* TO …)", res.Summary)
	ro := p.readOnly(r)
	assert.Equal(t, probes.Unknown, ro.Status)
	assert.Contains(t, ro.Summary, "role unknown: needs SLAVE MONITOR")
}

func TestReadOnly(t *testing.T) {
	tests := []struct {
		name     string
		ro       string
		replicas []row
		status   probes.Status
		summary  string
	}{
		{"writable primary", "OFF", nil, probes.OK, "primary, read_only=OFF"},
		{"read-only primary", "ON", nil, probes.Crit, "primary is read-only"},
		{"read-only replica", "ON", []row{replicaRow("Yes", "Yes", "0")}, probes.OK, "replica, read_only=ON"},
		{"writable replica", "OFF", []row{replicaRow("Yes", "Yes", "0")}, probes.Crit, "replica is writable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRound()
			r.vars["read_only"], r.replicas = tt.ro, tt.replicas
			res := mariaProbe().readOnly(r)
			assert.Equal(t, tt.status, res.Status)
			assert.Contains(t, res.Summary, tt.summary)
		})
	}
}

func TestConnections(t *testing.T) {
	tests := []struct {
		name      string
		connected string
		errs      []string // Connection_errors_max_connections per round
		status    probes.Status
		summary   string
	}{
		{"ok", "10", []string{"0"}, probes.OK, "10 of 100 connections (10%)"},
		{"warn", "85", []string{"0"}, probes.Warn, "(warn > 80%)"},
		{"crit", "95", []string{"0"}, probes.Crit, "(crit > 90%)"},
		{"absolute 1040 count never alerts", "10", []string{"500", "500"}, probes.OK, "10 of 100"},
		{"1040 rising is crit", "10", []string{"500", "503"}, probes.Crit, "3 connection(s) refused with error 1040"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mariaProbe()
			var res probes.Result
			for i, e := range tt.errs {
				r := baseRound()
				r.start = r.start.Add(time.Duration(i) * 5 * time.Second)
				r.status["threads_connected"] = tt.connected
				r.status["connection_errors_max_connections"] = e
				res = p.connections(r)
			}
			assert.Equal(t, tt.status, res.Status, res.Summary)
			assert.Contains(t, res.Summary, tt.summary)
		})
	}
}

func TestAuthFailures(t *testing.T) {
	p := mariaProbe()
	r := baseRound()
	r.status["access_denied_errors"], r.status["aborted_connects_preauth"] = "100", "1"
	res := p.authFailures(r)
	assert.Equal(t, probes.OK, res.Status)
	assert.Contains(t, res.Summary, "rate from next round")
	assert.Nil(t, res.Value)

	r2 := baseRound()
	r2.start = r.start.Add(10 * time.Second)
	r2.status["aborted_connects"] = "65" // 60 more, of which 20 never tried to log in
	r2.status["aborted_connects_preauth"] = "21"
	r2.status["access_denied_errors"] = "130"
	res = p.authFailures(r2)
	assert.Equal(t, probes.Warn, res.Status, "40 login attempts and 30 denials: above warn 10, below crit 50")
	require.NotNil(t, res.Value)
	assert.InDelta(t, 40, *res.Value, 0.001)
	assert.Contains(t, res.Summary, "40 rejected login(s) per minute (warn > 10/min)")

	r3 := baseRound()
	r3.start = r2.start.Add(10 * time.Second)
	r3.status["aborted_connects"], r3.status["aborted_connects_preauth"] = "65", "21"
	r3.status["access_denied_errors"] = "190" // 90 denials within the last minute
	res = p.authFailures(r3)
	assert.Equal(t, probes.Crit, res.Status, res.Summary)
}

func TestLockWaitsGrade(t *testing.T) {
	idle := LockWait{WaitingThread: 8, BlockingThread: 7, WaitSeconds: 6, BlockingTrxState: "RUNNING",
		BlockingCommand: "Sleep", BlockingStateSeconds: 7, BlockingTrxAgeSeconds: 7, BlockingRowsModified: 1}
	long := idle
	long.WaitSeconds = 12
	tests := []struct {
		name    string
		waits   []LockWait
		th      map[string]probes.Threshold
		status  probes.Status
		summary string
	}{
		{"no waits", nil, nil, probes.OK, "no row-lock waits"},
		{"any wait warns", []LockWait{idle}, nil, probes.Warn,
			"1 session(s) waiting on row locks, longest 6 s (warn > 0 s); root blocker thread 7 (idle in transaction 7 s, 1 rows modified) blocks 1"},
		{"over 10 s is crit", []LockWait{long}, nil, probes.Crit, "longest 12 s (crit > 10 s)"},
		{"configured warn bound", []LockWait{idle}, map[string]probes.Threshold{"lock_waits": {Warn: probes.V(8)}}, probes.OK, "longest 6 s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mariaProbe()
			p.spec.Thresholds = tt.th
			r := baseRound()
			r.waits = tt.waits
			res := p.lockWaits(r)
			assert.Equal(t, tt.status, res.Status, res.Summary)
			assert.Contains(t, res.Summary, tt.summary)
			assert.NotNil(t, res.Evidence["root_blockers"])
		})
	}
}

func TestFragmentation(t *testing.T) {
	gib := "1073741824"
	tests := []struct {
		name   string
		rows   []row
		status probes.Status
	}{
		{"small tables never count", []row{rw("table_schema", "a", "table_name", "t", "data_length", "16384", "index_length", "0", "data_free", "4194304")}, probes.OK},
		{"big free space warns", []row{rw("table_schema", "a", "table_name", "t", "data_length", gib, "index_length", "0", "data_free", gib)}, probes.Warn},
		{"big table, low ratio", []row{rw("table_schema", "a", "table_name", "t", "data_length", "10737418240", "index_length", "0", "data_free", gib)}, probes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRound()
			r.frag = fragCache{rows: tt.rows, at: r.start}
			res := mariaProbe().fragmentation(r)
			assert.Equal(t, tt.status, res.Status, res.Summary)
		})
	}
}

func TestConnectFailureShapes(t *testing.T) {
	p := mariaProbe()
	p.password = "hunter2"
	r := baseRound()
	r.connErr = &driver.MySQLError{Number: 1045, Message: "Access denied for user 'probe'@'localhost' (using password: YES)"}
	out := p.evaluate(r)
	require.Len(t, out, len(checks))
	assert.Equal(t, probes.Crit, out[0].Status)
	assert.Equal(t, "access denied for user probe (check the DSN's password)", out[0].Summary)
	for _, res := range out[1:] {
		assert.Equal(t, probes.Unknown, res.Status, res.Check)
		assert.Contains(t, res.Summary, "not measured: access denied")
	}
}

func TestErrantMariaDB(t *testing.T) {
	tests := []struct {
		name, current, slave string
		want                 bool
	}{
		{"caught up", "0-1-68", "0-1-68", false},
		{"the SQL thread applied one between the reads", "0-1-67", "0-1-68", false},
		{"and the other way round", "0-1-69", "0-1-68", false},
		{"a local write", "0-2-447", "0-1-446", true},
		{"a domain only the replica wrote", "0-1-5,7-2-1", "0-1-5", true},
		{"a domain the replica has not written yet", "0-1-5", "0-1-5,1-1-3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, ErrantMariaDB(tt.current, tt.slave)) })
	}
}
