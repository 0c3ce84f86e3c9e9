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
			steps := Walk(a, tt.results)
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
