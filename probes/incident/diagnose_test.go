package incident

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// r builds a result the way the scheduler fills it.
func r(comp, kind, check string, l probes.Layer, st probes.Status, imp probes.Impact, summary string, ev map[string]any) probes.Result {
	return probes.Result{ID: comp + "/" + kind + "/" + check, Component: comp, Probe: kind, Kind: kind, Check: check, Layer: l,
		Status: st, Impact: imp, Summary: summary, Evidence: ev}
}

// estate is nginx → invoice-api → {db-primary, cache}, with db-standby
// replicating from db-primary; invoice-api and nginx are core.
func estate(mod func(map[string]*Node)) *Topology {
	nodes := map[string]*Node{
		"nginx":       {Name: "nginx", Core: true, DependsOn: []string{"invoice-api"}},
		"invoice-api": {Name: "invoice-api", Core: true, DependsOn: []string{"db-primary", "cache"}, Actions: map[Action]bool{Restart: true}},
		"db-primary":  {Name: "db-primary", Core: true, Actions: map[Action]bool{KillSession: true, KillQuery: true, Switchover: true, Failover: true}},
		"db-standby":  {Name: "db-standby", DependsOn: []string{"db-primary"}},
		"cache":       {Name: "cache"},
		"jump":        {Name: "jump"},
	}
	if mod != nil {
		mod(nodes)
	}
	var list []Node
	for _, n := range nodes {
		list = append(list, *n)
	}
	return NewTopology(list)
}

func TestDiagnoseScenarios(t *testing.T) {
	busy := r("jump", "host", "cpu", probes.Server, probes.Crit, internal, "CPU 99% busy", map[string]any{"top_cpu": []map[string]any{{"name": "go", "pid": 9, "cpu_percent": 180}}})
	tests := []struct {
		name      string
		results   []probes.Result
		topo      *Topology
		grade     Grade
		cause     string   // first root cause's check id ("" for none)
		chain     []string // its chain
		explains  []string // among what it explains
		action    Action   // first advice offering an action
		adviceHas string   // in the first root cause's advice
		reasonHas string
	}{
		{
			name: "upstream killed behind a proxy: the upstream, not the proxy",
			results: []probes.Result{
				r("nginx", "http", "status", probes.Application, probes.Crit, uf, "HTTP 502 Bad Gateway", map[string]any{"status_code": 502}),
				r("nginx", "nginx", "upstream_errors", probes.Application, probes.Crit, internal, "31 upstream errors/min", map[string]any{"by_kind": map[string]int{"connect_failed": 31}}),
				r("invoice-api", "tcp", "connect", probes.Network, probes.Crit, uf, "3/3 refused", map[string]any{"address": "127.0.0.1:8080", "refused": 3}),
				busy,
			},
			grade: Red, cause: "invoice-api/tcp/connect", chain: []string{"nginx", "invoice-api"},
			explains: []string{"nginx/http/status", "nginx/nginx/upstream_errors"}, action: Restart, adviceHas: "nothing listens on 127.0.0.1:8080",
			reasonHas: "invoice-api/tcp/connect crit",
		},
		{
			name:    "503 storm on a busy monitoring host: red, on the app",
			results: []probes.Result{r("invoice-api", "http", "status", probes.Application, probes.Crit, uf, "HTTP 503", map[string]any{"status_code": 503}), busy},
			grade:   Red, cause: "invoice-api/http/status", chain: []string{"nginx", "invoice-api"}, action: Restart, adviceHas: "answers HTTP 503",
			reasonHas: "invoice-api/http/status",
		},
		{
			name: "pool exhausted explains 5xx and latency",
			results: []probes.Result{
				r("invoice-api", "metrics", "error_rate", probes.Application, probes.Crit, uf, "42% 5xx", nil),
				r("invoice-api", "metrics", "latency", probes.Application, probes.Warn, uf, "p99 2.1 s", nil),
				r("invoice-api", "metrics", "pool", probes.Application, probes.Crit, internal, "HikariPool-1 10/10 active, 7 pending",
					map[string]any{"pools": []map[string]any{{"pool": "HikariPool-1", "active": 10, "max": 10, "pending": 7}}}),
			},
			grade: Red, cause: "invoice-api/metrics/pool", chain: []string{"nginx", "invoice-api"},
			explains: []string{"invoice-api/metrics/error_rate", "invoice-api/metrics/latency"}, action: Restart, adviceHas: "HikariPool-1 10/10 active, 7 pending",
		},
		{
			name: "a lock wait on a core database with no user-facing failure is orange, advice: kill the root blocker",
			results: []probes.Result{r("db-primary", "mysql", "lock_waits", probes.Data, probes.Crit, internal, "2 sessions waiting, longest 14 s", map[string]any{
				"root_blockers": []int64{4711},
				"waits":         []map[string]any{{"blocking_thread": 4711, "blocking_activity": "idle in transaction 40 s", "blocking_rows_modified": 12408, "blocking_query": nil}},
			})},
			grade: Orange, cause: "db-primary/mysql/lock_waits", chain: []string{"nginx", "invoice-api", "db-primary"}, action: KillSession,
			adviceHas: "kill the root blocker, connection 4711 (idle in transaction 40 s; rolls back 12408 rows)",
		},
		{
			name: "lock wait felt by users: chain from the front",
			results: []probes.Result{
				r("nginx", "http", "status", probes.Application, probes.Crit, uf, "HTTP 504", map[string]any{"status_code": 504}),
				r("invoice-api", "metrics", "latency", probes.Application, probes.Crit, uf, "p99 30 s", nil),
				r("db-primary", "mysql", "lock_waits", probes.Data, probes.Crit, internal, "5 waiting", map[string]any{"root_blockers": []int64{7}}),
			},
			grade: Red, cause: "db-primary/mysql/lock_waits", chain: []string{"nginx", "invoice-api", "db-primary"},
			explains: []string{"nginx/http/status", "invoice-api/metrics/latency"}, action: KillSession, adviceHas: "connection 7",
		},
		{
			name: "lock wait behind a slow health check: the database, not the API that answers slowly",
			results: []probes.Result{
				r("invoice-api", "http", "reachability", probes.Network, probes.Warn, uf, "HTTP/1.1 in 2.4 s", map[string]any{"total_ms": 2400}),
				r("invoice-api", "metrics", "error_rate", probes.Application, probes.Crit, uf, "errors 78%", nil),
				r("db-primary", "mysql", "lock_waits", probes.Data, probes.Warn, internal, "10 waiting", map[string]any{"root_blockers": []int64{24}}),
			},
			grade: Red, cause: "db-primary/mysql/lock_waits", chain: []string{"nginx", "invoice-api", "db-primary"},
			explains: []string{"invoice-api/http/reachability", "invoice-api/metrics/error_rate"}, action: KillSession, adviceHas: "connection 24",
		},
		{
			name: "HTTP that gets no answer: the component is unreachable, a cause in its own right",
			results: []probes.Result{
				func() probes.Result {
					x := r("invoice-api", "http", "reachability", probes.Network, probes.Crit, uf, "timed out after 3s", nil)
					x.Err, x.TimedOut = "context deadline exceeded", true
					return x
				}(),
				r("db-primary", "mysql", "lock_waits", probes.Data, probes.Warn, internal, "10 waiting", map[string]any{"root_blockers": []int64{24}}),
			},
			grade: Red, cause: "invoice-api/http/reachability",
		},
		{
			name: "MySQL connections near max: who holds them, never a restore",
			results: []probes.Result{r("db-primary", "mysql", "connections", probes.Data, probes.Crit, internal, "95 of 100 connections", map[string]any{
				"threads_connected": 95, "max_connections": 100,
				"processlist": []map[string]any{{"id": 1, "user": "app", "host": "10.0.0.7:5511", "command": "Sleep"}, {"id": 2, "user": "app", "host": "10.0.0.7:5512", "command": "Sleep"}},
			})},
			grade: Orange, cause: "db-primary/mysql/connections", action: KillSession, adviceHas: "app@10.0.0.7 (2)",
		},
		{
			name: "Redis over maxclients explains the API's 503 (the seed's case)",
			results: []probes.Result{
				r("invoice-api", "http", "status", probes.Application, probes.Crit, uf, "HTTP 503", map[string]any{"status_code": 503}),
				r("cache", "redis", "clients", probes.Data, probes.Warn, internal, "612 clients > 500", map[string]any{"connected_clients": 612, "maxclients": 620,
					"client_list": map[string]any{"by_host": []map[string]any{{"name": "10.0.0.9", "clients": 580}}}}),
				r("cache", "redis", "rejected", probes.Data, probes.Crit, uf, "41 rejected in the last minute", nil),
			},
			grade: Red, cause: "cache/redis/clients", chain: []string{"nginx", "invoice-api", "cache"},
			explains: []string{"invoice-api/http/status", "cache/redis/rejected"}, adviceHas: "10.0.0.9 (580)",
		},
		{
			name: "replica SQL thread stopped: the error and how to resume",
			results: []probes.Result{r("db-standby", "mysql", "replication", probes.Data, probes.Crit, internal, "SQL thread stopped", map[string]any{
				"channels": []map[string]any{{"channel": "", "io_running": "Yes", "sql_running": "No", "last_sql_errno": 1062, "last_sql_error": "Duplicate entry '7' for key 'PRIMARY'"}},
			})},
			grade: Orange, cause: "db-standby/mysql/replication", chain: []string{"db-standby"}, adviceHas: "Last_SQL_Error 1062: Duplicate entry",
		},
		{
			name: "DNS SERVFAIL outranks a yellow host warning in the header",
			results: []probes.Result{
				r("app-host", "node_exporter", "cpu", probes.Server, probes.Warn, internal, "CPU 85%", nil),
				r("edge-dns", "dns", "resolve", probes.Network, probes.Crit, uf, "SERVFAIL from 127.0.0.1:5353", map[string]any{"name": "api.example",
					"resolvers": []map[string]any{{"resolver": "127.0.0.1:5353", "rcode": "SERVFAIL"}}}),
			},
			grade: Orange, cause: "edge-dns/dns/resolve", adviceHas: "127.0.0.1:5353 SERVFAIL", reasonHas: "edge-dns/dns/resolve",
		},
		{
			name:    "certificate expiring is a latent cause: blue",
			results: []probes.Result{r("nginx", "tls", "certificate", probes.Security, probes.Warn, latent, "expires in 20 days", map[string]any{"server_name": "api.example", "not_after": "2027-01-01"})},
			grade:   Blue, cause: "nginx/tls/certificate", adviceHas: "renew the certificate for api.example",
		},
		{
			name:    "the observer busy while the estate is healthy: no cause, no restart",
			results: []probes.Result{busy, r("invoice-api", "http", "status", probes.Application, probes.OK, uf, "HTTP 200", nil)},
			grade:   Yellow, cause: "", reasonHas: "the machine triage runs on",
		},
		{
			name: "restore is advised only on corruption",
			results: []probes.Result{r("db-standby", "mysql", "replication", probes.Data, probes.Crit, internal, "SQL thread stopped", map[string]any{
				"channels": []map[string]any{{"sql_running": "No", "io_running": "Yes", "last_sql_error": "Table './inv/invoice' is marked as crashed and should be repaired"}},
			})},
			grade: Orange, cause: "db-standby/mysql/replication", adviceHas: "from the last good backup",
		},
		{
			name: "primary down: switch over, offered where enabled",
			results: []probes.Result{func() probes.Result {
				x := r("db-primary", "mysql", "connections", probes.Data, probes.Crit, uf, "connection refused", nil)
				x.Err = "dial tcp: refused"
				return x
			}()},
			grade: Red, cause: "db-primary/mysql/connections", action: Switchover, adviceHas: "does not accept connections",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topo := tt.topo
			if topo == nil {
				topo = estate(nil)
			}
			a := Assess(tt.results, topo)
			d := a.Diagnosis
			assert.Equal(t, tt.grade, a.Grade, a.Reason)
			if tt.reasonHas != "" {
				assert.Contains(t, a.Reason, tt.reasonHas)
			}
			for _, rc := range d.RootCauses {
				for _, adv := range rc.Advice {
					if !strings.Contains(tt.name, "corruption") {
						assert.NotContains(t, adv.Text, "backup", "restore only on evidence of lost or corrupt data")
					}
					if adv.Action != NoAction {
						assert.True(t, topo.Enabled(rc.Component, adv.Action), "%s offers %s not enabled on %s", rc.CheckID, adv.Action, rc.Component)
					}
				}
			}
			if tt.cause == "" {
				assert.Empty(t, d.RootCauses)
				assert.Contains(t, d.Observer, "jump/host/cpu")
				return
			}
			require.NotEmpty(t, d.RootCauses)
			top := d.RootCauses[0]
			assert.Equal(t, tt.cause, top.CheckID)
			if tt.chain != nil {
				assert.Equal(t, tt.chain, top.Chain)
			}
			for _, e := range tt.explains {
				assert.Contains(t, top.Explains, e)
			}
			var texts []string
			var first Action
			for _, adv := range top.Advice {
				texts = append(texts, adv.Text)
				if first == NoAction {
					first = adv.Action
				}
			}
			assert.Equal(t, tt.action, first, "first action offered")
			assert.Contains(t, strings.Join(texts, "\n"), tt.adviceHas)
			for _, rc := range d.RootCauses {
				assert.NotEqual(t, "jump", rc.Component, "the observer is never an estate cause")
			}
		})
	}
}

func TestChainText(t *testing.T) {
	rs := []probes.Result{
		r("nginx", "http", "status", probes.Application, probes.Crit, uf, "HTTP 502 Bad Gateway", nil),
		r("invoice-api", "tcp", "connect", probes.Network, probes.Crit, uf, "connection refused", nil),
	}
	d := Diagnose(rs, estate(nil))
	require.NotEmpty(t, d.RootCauses)
	assert.Equal(t, "nginx http/status crit: HTTP 502 Bad Gateway ← invoice-api tcp/connect crit: connection refused", d.RootCauses[0].ChainText)
	assert.True(t, d.RootCauses[0].CoreImpact)
}

func TestDiagnoseActionNotEnabled(t *testing.T) {
	rs := []probes.Result{r("cache", "tcp", "connect", probes.Network, probes.Crit, uf, "refused", map[string]any{"refused": 2})}
	d := Diagnose(rs, estate(nil))
	require.Len(t, d.RootCauses, 1)
	for _, a := range d.RootCauses[0].Advice {
		assert.Equal(t, NoAction, a.Action)
	}
	assert.Contains(t, d.RootCauses[0].Advice[1].Text, "no restart action is enabled on cache")
}

func TestDiagnoseConfigAdvice(t *testing.T) {
	topo := estate(func(n map[string]*Node) {
		n["cache"].Advice = []ConfigAdvice{
			{Check: "redis/clients", Text: "page the cache team", Replace: true},
			{Check: "*", Text: "runbook: wiki/cache", Action: Restart}, // restart not enabled on cache: text only
		}
	})
	rs := []probes.Result{r("cache", "redis", "clients", probes.Data, probes.Warn, internal, "600 clients", nil)}
	d := Diagnose(rs, topo)
	require.Len(t, d.RootCauses, 1)
	assert.Equal(t, []Advice{{Text: "page the cache team"}, {Text: "runbook: wiki/cache"}}, d.RootCauses[0].Advice)
}

func TestDiagnoseCycleAndBlind(t *testing.T) {
	topo := NewTopology([]Node{{Name: "a", DependsOn: []string{"b"}}, {Name: "b", DependsOn: []string{"a"}}, {Name: "c"}})
	rs := []probes.Result{
		r("a", "tcp", "connect", probes.Network, probes.Crit, uf, "refused", nil),
		r("b", "tcp", "connect", probes.Network, probes.Crit, uf, "refused", nil),
		r("c", "mysql", "lock_waits", probes.Data, probes.Unknown, internal, "no PROCESS privilege", nil),
	}
	d := Diagnose(rs, topo)
	var ids []string
	for _, rc := range d.RootCauses {
		ids = append(ids, rc.CheckID)
	}
	assert.ElementsMatch(t, []string{"a/tcp/connect", "b/tcp/connect"}, ids, "a cycle explains nothing: both stand")
	assert.Equal(t, []string{"c/mysql/lock_waits"}, d.Unexplained, "a check that cannot see, alone, is unexplained")
}

func TestAdviceJSONNull(t *testing.T) {
	b, err := Advice{Text: "x"}.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"text":"x","action":null}`, string(b))
	b, err = Advice{Text: "x", Action: KillSession}.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"text":"x","action":"kill_session"}`, string(b))
}

func TestCoreFollowsTheSwitchover(t *testing.T) {
	topo := NewTopology([]Node{
		{Name: "api", Core: true, DependsOn: []string{"db-primary"}},
		{Name: "db-primary", Core: true, Standby: "db-standby"},
		{Name: "db-standby", DependsOn: []string{"db-primary"}},
	})
	role := func(comp, role string, st probes.Status) probes.Result {
		x := r(comp, "mysql", "read_only", probes.Data, st, internal, "role "+role, map[string]any{"role": role})
		return x
	}
	conn := r("db-standby", "mysql", "connections", probes.Data, probes.Crit, uf, "refused", nil)
	conn.Err = "connection refused"
	before := Assess([]probes.Result{role("db-primary", "primary", probes.OK), role("db-standby", "replica", probes.OK), conn}, topo)
	assert.Equal(t, Orange, before.Grade, "the standby is not core")
	assert.Nil(t, before.Roles)

	after := Assess([]probes.Result{role("db-primary", "replica", probes.OK), role("db-standby", "primary", probes.OK), conn}, topo)
	assert.Equal(t, Red, after.Grade, "after a switchover the standby serves the writes: it is core now")
	assert.Equal(t, map[string]string{"db-primary": "replica now", "db-standby": "primary now"}, after.Roles)
	assert.False(t, after.Topology.Core("db-primary"))
	require.NotEmpty(t, after.Diagnosis.RootCauses)
	assert.Equal(t, []string{"api", "db-standby"}, after.Diagnosis.RootCauses[0].Chain, "what used the old primary uses the new one")
	assert.Contains(t, after.Topology.Deps("db-primary"), "db-standby", "the old primary replicates from the new one")
}

// TestOwnResourceStaysACause: a dependency's failure explains a
// component's slow or failing requests, not its own CPU saturation — a
// CPU hog in the API with a momentary lock wait below stays a root cause.
func TestOwnResourceStaysACause(t *testing.T) {
	results := []probes.Result{
		r("invoice-api", "node_exporter", "cpu", probes.Server, probes.Crit, internal, "CPU 100% busy", nil),
		r("invoice-api", "metrics", "latency", probes.Application, probes.Crit, uf, "p99 4 s", nil),
		r("db-primary", "mysql", "lock_waits", probes.Data, probes.Warn, internal, "1 waiting", map[string]any{"root_blockers": []int64{9}}),
	}
	d := Diagnose(results, estate(nil))
	var cpu, lock *RootCause
	for i := range d.RootCauses {
		switch d.RootCauses[i].CheckID {
		case "invoice-api/node_exporter/cpu":
			cpu = &d.RootCauses[i]
		case "db-primary/mysql/lock_waits":
			lock = &d.RootCauses[i]
		}
	}
	require.NotNil(t, cpu, "the API's own CPU saturation is a root cause: %+v", d.RootCauses)
	require.NotNil(t, lock)
	assert.NotContains(t, lock.Explains, "invoice-api/node_exporter/cpu", "a lock wait does not burn the API's CPU")
	assert.Contains(t, lock.Explains, "invoice-api/metrics/latency", "it may still explain the slow requests")
	assert.Empty(t, d.Unexplained)
}
