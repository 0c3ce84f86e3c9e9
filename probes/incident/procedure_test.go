package incident

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func step(l probes.Layer, check string, st probes.Status) probes.Result {
	return probes.Result{ID: "c/p/" + check, Component: "c", Check: check, Layer: l, Status: st, Summary: check + " " + st.String()}
}

func TestHints(t *testing.T) {
	tests := []struct {
		name    string
		results []probes.Result
		want    []string
	}{
		{"all ok", []probes.Result{step(probes.Network, "connect", probes.OK)}, nil},
		{"network", []probes.Result{step(probes.Network, "connect", probes.Crit)}, []string{"network layer failing: " + ActNetwork}},
		{"server", []probes.Result{step(probes.Server, "cpu", probes.Warn)}, []string{"server resources abnormal: " + ActRestart}},
		{"lock", []probes.Result{step(probes.Data, "lock_waits", probes.Crit)}, []string{"database lock or deadlock: " + ActKill}},
		{"data without lock", []probes.Result{step(probes.Data, "replication", probes.Crit), step(probes.Data, "lock_waits", probes.OK)},
			[]string{"database unhealthy, no lock: " + ActRestore}},
		{"in procedure order", []probes.Result{step(probes.Security, "certificate", probes.Warn), step(probes.Network, "resolve", probes.Unknown)},
			[]string{"network layer failing: " + ActNetwork, "security layer failing: " + ActSecurity}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, h := range Hints(tt.results) {
				got = append(got, h.Text)
			}
			assert.Equal(t, tt.want, got)
		})
	}
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
		{"network first", []probes.Result{step(probes.Network, "connect", probes.Crit), step(probes.Data, "lock_waits", probes.Crit)}, false, 2, ActNetwork},
		{"server resources", []probes.Result{step(probes.Server, "cpu", probes.Warn)}, false, 3, ActRestart},
		{"lock", []probes.Result{step(probes.Network, "connect", probes.OK), step(probes.Data, "lock_waits", probes.Crit)}, true, 5, ActKill},
		{"restore", []probes.Result{step(probes.Data, "replication", probes.Crit)}, false, 5, ActRestore},
		{"network can't see", []probes.Result{step(probes.Network, "connect", probes.Unknown)}, false, 2, ActNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core := map[string]bool{}
			if tt.core {
				core["c"] = true
			}
			a := Assess(tt.results, core)
			steps := Walk(a, tt.results, nil)
			require.Len(t, steps, 7)
			assert.Equal(t, tt.core, steps[0].Fault, "core business affected")
			here := -1
			for i, s := range steps {
				if s.Here {
					here = i
				}
			}
			assert.Equal(t, tt.here, here)
			if here >= 0 {
				assert.Equal(t, tt.action, steps[here].Action)
				assert.NotEmpty(t, steps[here].Evidence)
			}
		})
	}
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
		{"none: the checks answer", []probes.Result{serverWarn, lock}, nil, StepServer, ActRestart,
			map[string]string{StepServer: "yes", StepDatabase: "yes"}},
		{"server not abnormal: on to the lock", []probes.Result{serverWarn, lock}, map[string]bool{StepServer: false}, StepDatabase, ActKill,
			map[string]string{StepServer: "no"}},
		{"network can't tell, operator says ok", []probes.Result{netUnknown, lock}, map[string]bool{StepNetwork: true}, StepDatabase, ActKill,
			map[string]string{StepNetwork: "yes"}},
		{"network ok by checks, operator says not", []probes.Result{step(probes.Network, "connect", probes.OK), lock},
			map[string]bool{StepNetwork: false}, StepNetwork, ActNetwork, map[string]string{StepNetwork: "no"}},
		{"resources abnormal by operator", []probes.Result{lock}, map[string]bool{StepServer: true}, StepServer, ActRestart, nil},
		{"no lock, data failing: restore", []probes.Result{lock}, map[string]bool{StepDatabase: false}, StepDatabase, ActRestore,
			map[string]string{StepDatabase: "no"}},
		{"lock by operator over a replication fault", []probes.Result{repl}, map[string]bool{StepDatabase: true}, StepDatabase, ActKill,
			map[string]string{StepDatabase: "yes"}},
		{"no lock, data ok: walk ends", []probes.Result{step(probes.Data, "lock_waits", probes.OK)}, map[string]bool{StepDatabase: false}, "", "", nil},
		{"every fault overridden away", []probes.Result{serverWarn, lock}, map[string]bool{StepServer: false, StepDatabase: false, StepApplication: true},
			StepDatabase, ActRestore, nil},
		{"environment is not a decision", []probes.Result{lock}, map[string]bool{StepEnvironment: true}, StepDatabase, ActKill,
			map[string]string{StepEnvironment: "1 checks, 1 not ok"}},
		{"unknown id ignored", []probes.Result{lock}, map[string]bool{"bogus": true}, StepDatabase, ActKill, nil},
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
					assert.Equal(t, tt.action, s.Action)
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
