package redis

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

func adminClient(t *testing.T, addr, password string) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr, Password: password, Protocol: 2, DisableIdentity: true, PoolSize: 1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestRoundIntegration(t *testing.T) {
	addr := testAddr(t)
	p := newProbe(t, probes.Spec{Address: addr}, "")
	for round := 0; round < 2; round++ {
		res := runOnce(t, p, 3*time.Second)
		for _, r := range res {
			assert.NotEqual(t, probes.Unknown, r.Status, "%s: %s", r.Check, r.Summary)
			t.Logf("round %d %-12s %-7s %s", round, r.Check, r.Status, r.Summary)
		}
		ev := res[CheckClients].Evidence
		assert.Equal(t, "CONFIG GET", ev["config_source"])
		assert.LessOrEqual(t, ev["commands"], 3, "INFO, CONFIG GET, CLIENT LIST")
		assert.Contains(t, ev, "maxclients")
	}
}

// TestClientFloodIntegration is the runbook's e-commerce incident: a Redis
// connection flood. 550 idle clients are > 500: warn or worse, with the count.
func TestClientFloodIntegration(t *testing.T) {
	addr := testAddr(t)
	admin := adminClient(t, addr, "")
	cfg, err := admin.ConfigGet(context.Background(), "maxclients").Result()
	require.NoError(t, err)
	var maxClients int
	_, err = fmt.Sscan(cfg["maxclients"], &maxClients)
	require.NoError(t, err)
	if maxClients < 700 {
		testenv.SkipOrFail(t, "maxclients %d on %s leaves no room for 550 test clients", maxClients, addr)
	}
	rawClients(t, addr, 550)
	res := runOnce(t, newProbe(t, probes.Spec{Address: addr}, ""), 3*time.Second)[CheckClients]
	assert.Contains(t, []probes.Status{probes.Warn, probes.Crit}, res.Status, res.Summary)
	require.NotNil(t, res.Value)
	assert.GreaterOrEqual(t, *res.Value, 550.0)
	assert.Contains(t, res.Summary, fmt.Sprintf("%.0f clients connected", *res.Value))
	assert.Contains(t, res.Summary, "(warn > 500)")
	list := res.Evidence["client_list"].(map[string]any)
	assert.GreaterOrEqual(t, list["total"], 550)
	top := list["by_host"].([]map[string]any)[0]
	assert.Equal(t, "127.0.0.1", top["name"])
	assert.GreaterOrEqual(t, top["clients"], 550)
	t.Logf("clients: %s %s; by_cmd %v; idle %v", res.Status, res.Summary, list["by_cmd"], list["idle"])
}

func TestRejectedIntegration(t *testing.T) {
	addr := startRedis(t, "--maxclients", "5")
	p := newProbe(t, probes.Spec{Address: addr}, "")
	first := runOnce(t, p, 3*time.Second)
	assert.Contains(t, first[CheckRejected].Summary, "rate from next round")
	rawClients(t, addr, 8) // 4 fit next to the probe, 4 are turned away
	res := runOnce(t, p, 3*time.Second)
	rej := res[CheckRejected]
	assert.Equal(t, probes.Crit, rej.Status, rej.Summary)
	assert.Contains(t, rej.Summary, "4 connection(s) rejected")
	cl := res[CheckClients]
	assert.Equal(t, probes.Crit, cl.Status, "5 of maxclients 5")
	assert.Contains(t, cl.Summary, "(crit ≥ 90% of maxclients)")
	t.Logf("rejected: %s; clients: %s", rej.Summary, cl.Summary)
}

func fill(t *testing.T, c *goredis.Client, n int) (oom int) {
	t.Helper()
	val := strings.Repeat("x", 10_000)
	for i := 0; i < n; i++ {
		if err := c.Set(context.Background(), fmt.Sprintf("k%d", i), val, 0).Err(); err != nil {
			require.Contains(t, err.Error(), "OOM")
			oom++
		}
	}
	return oom
}

func TestEvictionsIntegration(t *testing.T) {
	addr := startRedis(t, "--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru")
	p := newProbe(t, probes.Spec{Address: addr}, "")
	first := runOnce(t, p, 3*time.Second)
	assert.Equal(t, probes.OK, first[CheckEvictions].Status)
	assert.Contains(t, first[CheckEvictions].Summary, "rate from next round")
	require.Zero(t, fill(t, adminClient(t, addr, ""), 500))
	res := runOnce(t, p, 3*time.Second)
	ev := res[CheckEvictions]
	assert.Equal(t, probes.Warn, ev.Status, ev.Summary)
	assert.Contains(t, ev.Summary, "data is being dropped (policy allkeys-lru)")
	mem := res[CheckMemory]
	assert.NotEqual(t, probes.Crit, mem.Status, "an evicting policy is warn at most: %s", mem.Summary)
	t.Logf("evictions: %s; memory: %s %s", ev.Summary, mem.Status, mem.Summary)
}

func TestNoevictionIntegration(t *testing.T) {
	addr := startRedis(t, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
	p := newProbe(t, probes.Spec{Address: addr}, "")
	runOnce(t, p, 3*time.Second)
	require.Positive(t, fill(t, adminClient(t, addr, ""), 500), "writes refused with OOM")
	mem := runOnce(t, p, 3*time.Second)[CheckMemory]
	assert.Equal(t, probes.Crit, mem.Status, mem.Summary)
	assert.Contains(t, mem.Summary, "policy noeviction")
	assert.Contains(t, mem.Summary, "refused with OOM")
	t.Logf("memory: %s", mem.Summary)
}

func TestNoLimitIntegration(t *testing.T) {
	addr := startRedis(t)
	mem := runOnce(t, newProbe(t, probes.Spec{Address: addr}, ""), 3*time.Second)[CheckMemory]
	assert.Equal(t, probes.OK, mem.Status)
	assert.Contains(t, mem.Summary, "no limit (maxmemory 0)")
}

func TestAuthIntegration(t *testing.T) {
	const secret = "R1ght-Secret-plugh"
	addr := startRedis(t, "--requirepass", secret)
	tests := []struct {
		name     string
		password string
		status   probes.Status
		summary  string
	}{
		{"wrong password", "Wr0ng-Secret-xyzzy", probes.Crit, "authentication failed (WRONGPASS): WRONGPASS / NOAUTH: check password_env TRIAGE_TEST_REDIS_PW_"},
		{"no password", "", probes.Crit, "authentication failed (NOAUTH): WRONGPASS / NOAUTH: check password_env (none is configured)"},
		{"right password", secret, probes.OK, "clients connected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runOnce(t, newProbe(t, probes.Spec{Address: addr}, tt.password), 2*time.Second)
			c := res[CheckClients]
			assert.Equal(t, tt.status, c.Status)
			assert.Contains(t, c.Summary, tt.summary)
			for _, r := range res {
				for _, s := range []string{r.Summary, r.Err} {
					assert.NotContains(t, s, "Wr0ng-Secret-xyzzy")
					assert.NotContains(t, s, secret)
				}
				if tt.status == probes.Crit && r.Check != CheckClients {
					assert.Equal(t, probes.Unknown, r.Status)
				}
			}
			t.Logf("%s: clients %s: %s", tt.name, c.Status, c.Summary)
		})
	}
}

func TestDownAndHangingIntegration(t *testing.T) {
	const timeout = time.Second
	tests := []struct {
		name, addr, summary string
	}{
		{"refused", testenv.Refused(t), "connection refused by 127.0.0.1:"},
		{"hanging", testenv.Hanging(t), "timed out after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res := runOnce(t, newProbe(t, probes.Spec{Address: tt.addr}, ""), timeout)
			took := time.Since(start)
			grace.Within(t, took, timeout, "a down or hanging server")
			assert.Equal(t, probes.Crit, res[CheckClients].Status)
			assert.Contains(t, res[CheckClients].Summary, tt.summary)
			for _, name := range []string{CheckRejected, CheckMemory, CheckEvictions, CheckReplication} {
				assert.Equal(t, probes.Unknown, res[name].Status)
			}
			t.Logf("%s in %s: %s", tt.name, took.Round(time.Millisecond), res[CheckClients].Summary)
		})
	}
}

func TestReplicationIntegration(t *testing.T) {
	masterAddr, stopMaster := startRedisStop(t, "--port")
	host, port, _ := strings.Cut(masterAddr, ":")
	replicaAddr := startRedis(t, "--replicaof", host, port)
	rp := newProbe(t, probes.Spec{Address: replicaAddr}, "")
	var r probes.Result
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r = runOnce(t, rp, 2*time.Second)[CheckReplication]; r.Status == probes.OK {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, probes.OK, r.Status, r.Summary)
	assert.Contains(t, r.Summary, "replica of "+masterAddr+", link up")

	// The master may still list the replica as wait_bgsave for a moment (warn).
	mp := newProbe(t, probes.Spec{Address: masterAddr}, "")
	var m probes.Result
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m = runOnce(t, mp, 2*time.Second)[CheckReplication]; m.Status == probes.OK {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, probes.OK, m.Status)
	assert.Equal(t, "master, 1 replica(s)", m.Summary)

	stopMaster()
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r = runOnce(t, rp, 2*time.Second)[CheckReplication]; r.Status == probes.Crit {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, probes.Crit, r.Status, r.Summary)
	assert.Contains(t, r.Summary, "link down")
	t.Logf("replication after the master stopped: %s", r.Summary)
}
