package redis

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

const infoFixture = "# Clients\r\nconnected_clients:3\r\nmaxclients:4\r\nblocked_clients:1\r\n\r\n" +
	"# Memory\r\nused_memory:8912896\r\nused_memory_human:8.50M\r\nmaxmemory:3145728\r\nmaxmemory_policy:noeviction\r\n" +
	"# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=6380,state=online,offset=42,lag=0\r\n" +
	"# Stats\r\nrejected_connections:7\r\nevicted_keys:40128\r\n# Errorstats\r\nerrorstat_OOM:count=3\r\nerrorstat_ERR:count=1\r\n"

func TestParseInfo(t *testing.T) {
	in := parseInfo(infoFixture)
	assert.Equal(t, 3.0, in.n("connected_clients"))
	assert.Equal(t, "noeviction", in["maxmemory_policy"])
	assert.Equal(t, 3.0, in.errorCount("OOM"))
	assert.Equal(t, 0.0, in.errorCount("WRONGTYPE"))
	assert.Equal(t, []map[string]string{{"ip": "127.0.0.1", "port": "6380", "state": "online", "offset": "42", "lag": "0"}}, in.replicas())
	_, ok := in.num("absent")
	assert.False(t, ok)
}

func TestSummariseClients(t *testing.T) {
	list := parseClientList("id=3 addr=10.0.0.5:52470 laddr=127.0.0.1:6379 fd=8 name= age=100 idle=100 flags=N db=0 cmd=get user=default\n" +
		"id=4 addr=10.0.0.5:52471 laddr=127.0.0.1:6379 fd=9 name= age=5 idle=5 flags=N db=0 cmd=get user=default\n" +
		"id=5 addr=[::1]:40000 laddr=[::1]:6379 fd=10 name= age=2 idle=2 flags=b db=0 cmd=blpop user=default\n")
	require.Len(t, list, 3)
	s := summariseClients(list)
	assert.Equal(t, 3, s["total"])
	assert.Equal(t, 1, s["blocked"])
	assert.Equal(t, int64(100), s["max_idle_seconds"])
	assert.Equal(t, []map[string]any{{"name": "10.0.0.5", "clients": 2}, {"name": "[::1]", "clients": 1}}, s["by_host"])
	assert.Equal(t, []map[string]any{{"name": "get", "clients": 2}, {"name": "blpop", "clients": 1}}, s["by_cmd"])
	assert.Equal(t, 2, s["idle"].(map[string]any)["under_10s"])
	assert.Equal(t, 1, s["idle"].(map[string]any)["1m_to_10m"])
}

func TestMemoryByPolicy(t *testing.T) {
	tests := []struct {
		name, used, limit, policy string
		status                    probes.Status
		summary                   string
	}{
		{"no limit", "1000", "0", "noeviction", probes.OK, "no limit (maxmemory 0)"},
		{"noeviction near the limit", "96", "100", "noeviction", probes.Crit, "(crit ≥ 95%)"},
		{"noeviction at 91%", "91", "100", "noeviction", probes.Warn, "(warn ≥ 90%)"},
		{"lru at the limit is warn at most", "100", "100", "allkeys-lru", probes.Warn, "policy allkeys-lru"},
		{"lru with room", "50", "100", "allkeys-lru", probes.OK, "(50%)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sample{start: time.Unix(0, 0), policy: tt.policy,
				info: info{"used_memory": tt.used, "maxmemory": tt.limit, "used_memory_human": "x", "rdb_last_bgsave_status": "ok"}}
			res := New(probes.Spec{}).memory(s)
			assert.Equal(t, tt.status, res.Status, res.Summary)
			assert.Contains(t, res.Summary, tt.summary)
		})
	}
}

func TestReplicationRole(t *testing.T) {
	tests := []struct {
		name    string
		in      info
		status  probes.Status
		summary string
	}{
		{"master", info{"role": "master", "connected_slaves": "0"}, probes.OK, "master, 0 replica(s)"},
		{"master with a syncing replica", info{"role": "master", "connected_slaves": "1", "slave0": "ip=h,port=1,state=wait_bgsave,offset=0,lag=0"}, probes.Warn, "not online: h:1 wait_bgsave"},
		{"replica up", info{"role": "slave", "master_host": "h", "master_port": "1", "master_link_status": "up", "master_last_io_seconds_ago": "1"}, probes.OK, "link up, last IO 1 s ago"},
		{"replica silent", info{"role": "slave", "master_host": "h", "master_port": "1", "master_link_status": "up", "master_last_io_seconds_ago": "45"}, probes.Warn, "(warn > 30 s)"},
		{"replica down", info{"role": "slave", "master_host": "h", "master_port": "1", "master_link_status": "down", "master_last_io_seconds_ago": "-1", "master_link_down_since_seconds": "3"}, probes.Crit, "link down for 3 s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := New(probes.Spec{}).replication(&sample{info: tt.in})
			assert.Equal(t, tt.status, res.Status, res.Summary)
			assert.Contains(t, res.Summary, tt.summary)
		})
	}
}
