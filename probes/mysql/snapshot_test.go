package mysql

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func TestSnapshotCapable(t *testing.T) {
	tests := []struct {
		version, comment string
		want             bool
	}{
		{"10.11.19-MariaDB-0+deb12u1", "", true},
		{"10.5.0-MariaDB", "", true},
		{"10.4.34-MariaDB", "", false},
		{"8.0.36", "MySQL Community Server - GPL", true},
		{"8.4.0", "", true},
		{"5.7.44-log", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			assert.Equal(t, tt.want, ParseEngine(tt.version, tt.comment).snapshotCapable())
		})
	}
}

func TestSnapshotSQL(t *testing.T) {
	tests := []struct {
		name     string
		version  string
		frag     bool
		has, not []string
	}{
		{"MariaDB", "10.11.19-MariaDB", false,
			[]string{"information_schema.GLOBAL_STATUS", "@@global.read_only AS v_read_only", "trx_json", "procs_json", "'Innodb_deadlocks'"},
			[]string{"frag_json", "hll_json", "performance_schema"}},
		{"MariaDB with the fragmentation scan due", "10.11.19-MariaDB", true, []string{"frag_json", "information_schema.TABLES"}, nil},
		{"MySQL 8", "8.0.36", false,
			[]string{"performance_schema.global_status", "hll_json", "replica_channels"}, []string{"GLOBAL_STATUS", "frag_json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(probes.Spec{Kind: "mysql"})
			p.engine = ParseEngine(tt.version, "")
			p.varNames = snapshotVarNames(map[string]string{"read_only": "OFF", "max_connections": "151", "bad name; DROP": "x"})
			q := p.snapshotSQL(tt.frag)
			for _, s := range tt.has {
				assert.Contains(t, q, s)
			}
			for _, s := range tt.not {
				assert.NotContains(t, q, s)
			}
			assert.NotContains(t, q, "DROP", "a variable name that is not an identifier never reaches the SQL")
		})
	}
}

func TestJSONRows(t *testing.T) {
	rows, err := jsonRows(`[{"ID": 12, "user": "app", "info": null, "time": 3.5, "q": "a\"b\u001b"}]`)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, int64(12), rows[0].num("id"), "keys are lower-cased as column names are")
	assert.Equal(t, "app", rows[0].text("user"))
	assert.Nil(t, rows[0].nullable("info"), "JSON null is SQL NULL")
	assert.Equal(t, "3.5", rows[0].text("time"))
	assert.Equal(t, "a\"b\x1b", rows[0].text("q"), "strings unquoted as the plain SELECT returns them")

	none, err := jsonRows("")
	require.NoError(t, err)
	assert.Empty(t, none, "NULL aggregate: no rows")
	_, err = jsonRows("[{")
	assert.Error(t, err)
}

func TestVarStyle(t *testing.T) {
	p := New(probes.Spec{Kind: "mysql"})
	p.varSample = map[string]string{"read_only": "OFF", "gtid_strict_mode": "ON", "server_id": "1"}
	tests := []struct{ name, value, want string }{
		{"read_only", "1", "ON"},
		{"read_only", "0", "OFF"},
		{"gtid_strict_mode", "1", "ON"},
		{"server_id", "1", "1"},
		{"unknown", "0", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) { assert.Equal(t, tt.want, p.varStyle(tt.name, tt.value)) })
	}
}

func TestReplicaDue(t *testing.T) {
	t0 := time.Unix(5000, 0)
	one := int64(1)
	zero := int64(0)
	tests := []struct {
		name   string
		cache  replCache
		status map[string]string
		chans  *int64
		after  time.Duration
		want   bool
	}{
		{"first round", replCache{}, nil, nil, 0, true},
		{"replica: every round", replCache{read: true, rows: []row{{}}, at: t0}, nil, nil, time.Second, true},
		{"primary: cached within a minute", replCache{read: true, at: t0}, map[string]string{"slaves_running": "0"}, nil, 30 * time.Second, false},
		{"primary: once a minute", replCache{read: true, at: t0}, nil, nil, time.Minute, true},
		{"MariaDB started replicating", replCache{read: true, at: t0}, map[string]string{"slaves_running": "1"}, nil, time.Second, true},
		{"MySQL channel configured", replCache{read: true, at: t0}, nil, &one, time.Second, true},
		{"MySQL no channel", replCache{read: true, at: t0}, nil, &zero, time.Second, false},
		{"refused: retried once a minute", replCache{read: true, err: errors.New("denied"), at: t0}, nil, nil, 10 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &round{start: t0.Add(tt.after), status: tt.status, replicaChannels: tt.chans}
			assert.Equal(t, tt.want, replicaDue(tt.cache, r))
		})
	}
}
