package incident

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func res(component string, layer probes.Layer, s probes.Status, impact probes.Impact) probes.Result {
	return probes.Result{ID: component + "/p/c-" + s.String() + "-" + impact.String(), Component: component, Check: "c", Layer: layer, Status: s, Impact: impact}
}

const (
	uf       = probes.UserFacing
	internal = probes.Internal
	latent   = probes.Latent
)

func TestAssessImpactRules(t *testing.T) {
	topo := CoreTopology([]string{"api", "db"})
	observer := probes.Result{ID: "jump/host/cpu", Component: "jump", Kind: "host", Check: "cpu", Layer: probes.Server, Status: probes.Crit}
	tests := []struct {
		name    string
		results []probes.Result
		want    Grade
	}{
		{"no checks is green", nil, Green},
		{"all ok is green", []probes.Result{res("api", probes.Network, probes.OK, uf), res("cache", probes.Data, probes.OK, internal)}, Green},
		{"user-facing crit on core is red", []probes.Result{res("api", probes.Application, probes.Crit, uf)}, Red},
		{"internal crit on core is orange, not red (a lock wait nobody feels yet)", []probes.Result{res("db", probes.Data, probes.Crit, internal)}, Orange},
		{"latent crit on core is orange", []probes.Result{res("api", probes.Security, probes.Crit, latent)}, Orange},
		{"user-facing crit on non-core is orange", []probes.Result{res("cache", probes.Data, probes.Crit, uf)}, Orange},
		{"red beats orange", []probes.Result{res("cache", probes.Data, probes.Crit, internal), res("api", probes.Network, probes.Crit, uf)}, Red},
		{"internal warn is yellow", []probes.Result{res("api", probes.Server, probes.Warn, internal)}, Yellow},
		{"user-facing unknown is yellow", []probes.Result{res("api", probes.Network, probes.Unknown, uf)}, Yellow},
		{"internal unknown does not grade", []probes.Result{res("db", probes.Data, probes.Unknown, internal)}, Green},
		{"only latent warn is blue", []probes.Result{res("api", probes.Security, probes.Warn, latent), res("db", probes.Data, probes.Warn, latent)}, Blue},
		{"latent unknown does not grade", []probes.Result{res("api", probes.Security, probes.Unknown, latent)}, Green},
		{"latent warn plus live warn is yellow", []probes.Result{res("api", probes.Security, probes.Warn, latent), res("cache", probes.Data, probes.Warn, internal)}, Yellow},
		{"warm-up unknown does not grade", []probes.Result{{ID: "h/host/cpu", Component: "h", Layer: probes.Server, Status: probes.Unknown, Warmup: true, Impact: uf}}, Green},
		{"crit beats warn", []probes.Result{res("cache", probes.Data, probes.Warn, internal), res("x", probes.Server, probes.Crit, internal)}, Orange},
		{"the observer's crit is at most yellow", []probes.Result{observer}, Yellow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Assess(tc.results, topo)
			assert.Equal(t, tc.want, a.Grade, a.Reason)
			require.Len(t, a.Layers, 5)
		})
	}
}

func TestNotWatchedLayers(t *testing.T) {
	a := Assess([]probes.Result{res("api", probes.Network, probes.OK, uf)}, nil)
	assert.True(t, a.Layers[0].Watched)
	for _, l := range a.Layers[1:] {
		assert.False(t, l.Watched, l.Layer)
	}
	assert.Equal(t, []probes.Layer{probes.Server, probes.Application, probes.Data, probes.Security}, a.Diagnosis.NotWatched)
}

func TestGradeTable(t *testing.T) {
	tests := []struct {
		g        Grade
		deadline time.Duration
		exit     int
	}{
		{Green, 0, 0}, {Blue, 24 * time.Hour, 1}, {Yellow, 8 * time.Hour, 1}, {Orange, 4 * time.Hour, 2}, {Red, time.Hour, 2},
	}
	for _, tc := range tests {
		t.Run(tc.g.String(), func(t *testing.T) {
			assert.Equal(t, tc.deadline, tc.g.Deadline())
			assert.Equal(t, tc.exit, tc.g.ExitCode())
		})
	}
}

func TestCausesRankByStatusThenWeight(t *testing.T) {
	a := Assess([]probes.Result{
		res("x", probes.Security, probes.Crit, internal),
		res("y", probes.Network, probes.Warn, internal),
		res("z", probes.Server, probes.Warn, internal),
		res("w", probes.Data, probes.Crit, internal),
	}, nil)
	assert.Equal(t, []probes.Layer{probes.Data, probes.Security, probes.Network, probes.Server}, a.Causes, "status first, the seed's weight breaks ties")
}

func TestTrackerForAndClock(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	tr := NewTracker(CoreTopology([]string{"db"}))
	crit := probes.Result{ID: "db/mysql/connections", Component: "db", Layer: probes.Data, Status: probes.Crit, Summary: "refused", For: time.Minute, Impact: probes.UserFacing}
	ok := crit
	ok.Status, ok.Summary = probes.OK, "40%"

	st := tr.Update([]probes.Result{ok}, t0)
	assert.Equal(t, Green, st.Grade)
	assert.True(t, st.Started.IsZero())

	st = tr.Update([]probes.Result{crit}, t0.Add(5*time.Second))
	assert.Equal(t, Green, st.Grade, "for: 1m holds one bad sample back")
	assert.Contains(t, st.Pending, crit.ID)
	assert.Contains(t, st.Results[0].Summary, "pending")

	st = tr.Update([]probes.Result{crit}, t0.Add(66*time.Second))
	assert.Equal(t, Red, st.Grade)
	assert.Equal(t, t0.Add(66*time.Second), st.Started, "the clock starts at the first change away from green")
	assert.Equal(t, st.Started.Add(time.Hour), st.Deadline)
	assert.Equal(t, 30*time.Minute, st.Remaining(st.Started.Add(30*time.Minute)))

	st = tr.Update([]probes.Result{ok}, t0.Add(90*time.Second))
	assert.Equal(t, Green, st.Grade)
	assert.True(t, st.Deadline.IsZero())

	st = tr.Update([]probes.Result{crit}, t0.Add(95*time.Second))
	assert.Equal(t, Green, st.Grade, "a recovered check starts its for: again")

	var grades, checks int
	for _, e := range tr.Timeline() {
		switch e.Kind {
		case GradeChanged:
			grades++
		case CheckChanged:
			checks++
		}
	}
	assert.Equal(t, 2, grades, "green→red, red→green")
	assert.Equal(t, 2, checks)
}

func TestTrackerOverrides(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	tr := NewTracker(nil)
	crit := probes.Result{ID: "db/mysql/lock_waits", Component: "db", Check: "lock_waits", Layer: probes.Data, Status: probes.Crit}
	ok := crit
	ok.Status = probes.OK

	st := tr.Update([]probes.Result{crit}, t0)
	assert.Nil(t, st.Overrides)
	tr.Override(StepDatabase, false)
	tr.Override(StepServer, true)
	assert.Equal(t, map[string]bool{StepDatabase: false, StepServer: true}, tr.Overrides())
	tr.ClearOverride(StepServer)
	st = tr.Update([]probes.Result{crit}, t0.Add(5*time.Second))
	assert.Equal(t, map[string]bool{StepDatabase: false}, st.Overrides, "the state carries them to Walk and Report")

	got := tr.Overrides()
	got[StepNetwork] = true
	assert.NotContains(t, tr.Overrides(), StepNetwork, "a copy")

	st = tr.Update([]probes.Result{ok}, t0.Add(10*time.Second))
	assert.Equal(t, Green, st.Grade)
	assert.Nil(t, st.Overrides, "an incident's overrides end with it")
	tl := tr.Timeline()
	assert.Contains(t, tl[len(tl)-1].Text, "the operator's guide answers end with the incident")
}
