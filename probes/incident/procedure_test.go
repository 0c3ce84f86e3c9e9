package incident

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func step(l probes.Layer, check string, st probes.Status) probes.Result {
	kind := map[probes.Layer]string{probes.Network: "tcp", probes.Server: "node_exporter", probes.Application: "http", probes.Data: "mysql", probes.Security: "tls"}[l]
	r := probes.Result{ID: "c/" + kind + "/" + check, Component: "c", Kind: kind, Probe: kind, Check: check, Layer: l, Status: st, Summary: check + " " + st.String()}
	if l == probes.Network || check == "status" {
		r.Impact = probes.UserFacing
	}
	return r
}

func TestHints(t *testing.T) {
	topo := NewTopology([]Node{{Name: "c", Actions: map[Action]bool{KillSession: true}}, {Name: "front", DependsOn: []string{"c"}}})
	lock := step(probes.Data, "lock_waits", probes.Crit)
	lock.Evidence = map[string]any{"root_blockers": []int64{41}, "waits": []map[string]any{{"blocking_thread": 41, "blocking_activity": "idle in transaction 30 s", "blocking_rows_modified": 2}}}
	front := probes.Result{ID: "front/http/status", Component: "front", Kind: "http", Check: "status", Layer: probes.Application, Status: probes.Crit, Impact: probes.UserFacing, Summary: "HTTP 504"}
	d := Diagnose([]probes.Result{lock, front}, topo)
	got := Hints(d, "c")
	require.NotEmpty(t, got)
	assert.Contains(t, got[0].Text, "root cause c/mysql/lock_waits crit")
	assert.Equal(t, KillSession, got[1].Action)
	assert.Contains(t, got[1].Text, "connection 41")
	sym := Hints(d, "front")
	require.Len(t, sym, 1)
	assert.Contains(t, sym[0].Text, "front fails because of c")
	assert.Empty(t, Hints(d, "nobody"))
}

func TestWalk(t *testing.T) {
	tests := []struct {
		name    string
		results []probes.Result
		core    bool
		here    int // index of the step marked Here, -1 for none
		action  string
	}{
		{"all ok", []probes.Result{step(probes.Network, "connect", probes.OK), step(probes.Data, "lock_waits", probes.OK)}, false, -1, ""},
		{"the best-ranked cause, not the first layer", []probes.Result{step(probes.Network, "connect", probes.Warn), step(probes.Data, "lock_waits", probes.Crit)}, false, 5, "sessions wait on row locks"},
		{"server resources without a restart action", []probes.Result{step(probes.Server, "cpu", probes.Warn)}, false, 3, "CPU busy on c"},
		{"app 503 on core", []probes.Result{step(probes.Application, "status", probes.Crit)}, true, 4, "c/http/status: status crit"},
		{"replication stopped is not a restore", []probes.Result{step(probes.Data, "replication", probes.Crit)}, false, 5, "replication: replication crit"},
		{"network can't see", []probes.Result{step(probes.Network, "connect", probes.Unknown)}, false, 2, "connects to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topo := NewTopology(nil)
			if tt.core {
				topo = CoreTopology([]string{"c"})
			}
			a := Assess(tt.results, topo)
			steps := Walk(a, tt.results, nil)
			require.Len(t, steps, 7)
			assert.Equal(t, tt.core, steps[0].Fault, "core business affected")
			here := -1
			for i, s := range steps {
				if s.Here {
					here = i
				}
				assert.NotContains(t, s.Action, "backup", s.ID)
			}
			assert.Equal(t, tt.here, here)
			if here >= 0 {
				assert.Contains(t, steps[here].Action, tt.action)
				assert.NotEmpty(t, steps[here].Evidence)
			}
		})
	}
}

func TestWalkObserverIsNotTheServerStep(t *testing.T) {
	cpu := probes.Result{ID: "jump/host/cpu", Component: "jump", Kind: "host", Check: "cpu", Layer: probes.Server, Status: probes.Crit, Summary: "CPU 99%"}
	app := step(probes.Application, "status", probes.Crit)
	rs := []probes.Result{cpu, app}
	a := Assess(rs, CoreTopology([]string{"c"}))
	require.Equal(t, Red, a.Grade)
	steps := Walk(a, rs, nil)
	assert.False(t, steps[3].Fault, "the machine triage runs on is not the estate's server layer")
	assert.Contains(t, steps[3].Evidence, "only the machine triage runs on")
	assert.True(t, steps[4].Here, "the guide stops at the application step")
	assert.Contains(t, steps[4].Evidence, "c/http/status")
}

func TestWalkSymptoms(t *testing.T) {
	topo := NewTopology([]Node{{Name: "nginx", DependsOn: []string{"c"}, Core: true}, {Name: "c"}})
	bad := probes.Result{ID: "nginx/http/status", Component: "nginx", Kind: "http", Check: "status", Layer: probes.Application, Status: probes.Crit, Impact: probes.UserFacing, Summary: "HTTP 502"}
	refused := step(probes.Network, "connect", probes.Crit)
	refused.Summary = "connection refused"
	rs := []probes.Result{bad, refused}
	steps := Walk(Assess(rs, topo), rs, nil)
	assert.True(t, steps[2].Here, "network: the upstream's refused connect")
	assert.False(t, steps[4].Fault)
	assert.Contains(t, steps[4].Evidence, "symptoms: nginx/http/status (explained by c/tcp/connect)")
}

func TestWalkOverrides(t *testing.T) {
	serverWarn := step(probes.Server, "cpu", probes.Warn)
	lock := step(probes.Data, "lock_waits", probes.Crit)
	repl := step(probes.Data, "replication", probes.Crit)
	netUnknown := step(probes.Network, "connect", probes.Unknown)
	tests := []struct {
		name      string
		results   []probes.Result
		overrides map[string]bool
		here      string // id of the step marked Here, "" for none
		action    string
		answers   map[string]string // step id → answer shown
	}{
		{"none: the checks answer", []probes.Result{serverWarn, lock}, nil, StepDatabase, "sessions wait on row locks",
			map[string]string{StepServer: "yes", StepDatabase: "yes"}},
		{"network can't tell, operator says ok", []probes.Result{netUnknown}, map[string]bool{StepNetwork: true}, "", "",
			map[string]string{StepNetwork: "yes"}},
		{"network ok by checks, operator says not", []probes.Result{step(probes.Network, "connect", probes.OK), lock},
			map[string]bool{StepNetwork: false, StepDatabase: true}, StepNetwork, ActNetwork, map[string]string{StepNetwork: "no"}},
		{"resources abnormal by operator", []probes.Result{step(probes.Server, "cpu", probes.OK)}, map[string]bool{StepServer: true}, StepServer, ActRestart, nil},
		{"no lock, data failing: the database's other checks, never a restore", []probes.Result{lock}, map[string]bool{StepDatabase: false}, StepDatabase, ActDatabase,
			map[string]string{StepDatabase: "no"}},
		{"lock by operator over a replication fault", []probes.Result{repl}, map[string]bool{StepDatabase: true}, StepDatabase, ActKill,
			map[string]string{StepDatabase: "yes"}},
		{"no lock, data ok: walk ends", []probes.Result{step(probes.Data, "lock_waits", probes.OK)}, map[string]bool{StepDatabase: false}, "", "", nil},
		{"environment is not a decision", []probes.Result{lock}, map[string]bool{StepEnvironment: true}, StepDatabase, "sessions wait",
			map[string]string{StepEnvironment: "1 checks, 1 not ok; not watched: network, server, application, security"}},
		{"unknown id ignored", []probes.Result{lock}, map[string]bool{"bogus": true}, StepDatabase, "sessions wait", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Assess(tt.results, nil)
			steps := Walk(a, tt.results, tt.overrides)
			require.Len(t, steps, 7)
			here := ""
			for _, s := range steps {
				if s.Here {
					require.Empty(t, here, "one step is Here")
					here = s.ID
					assert.Contains(t, s.Action, tt.action)
				}
				_, over := tt.overrides[s.ID]
				assert.Equal(t, over && s.Decision(), s.Overridden, s.ID)
				if s.Overridden {
					assert.NotEmpty(t, s.Checks, "the checks' answer is kept")
				}
				if want, ok := tt.answers[s.ID]; ok {
					assert.Equal(t, want, s.Answer, s.ID)
				}
			}
			assert.Equal(t, tt.here, here)
		})
	}
}

func TestWalkCoreOverride(t *testing.T) {
	rs := []probes.Result{step(probes.Data, "replication", probes.Crit)}
	a := Assess(rs, nil)
	require.Equal(t, Orange, a.Grade)
	s := Walk(a, rs, map[string]bool{StepCore: true})[0]
	assert.True(t, s.Fault)
	assert.Equal(t, "yes", s.Answer)
	assert.Equal(t, "no", s.Checks)
	assert.Contains(t, s.Action, "red plan")
	s = Walk(a, rs, map[string]bool{StepCore: false})[0]
	assert.False(t, s.Fault)
	assert.Equal(t, "open a ticket; grade orange", s.Action)
}
