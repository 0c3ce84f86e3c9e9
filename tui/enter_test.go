package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

// enter opens the drill-down at the check under the cursor, not at the
// component's worst one.
func TestEnterOpensAtSelectedCheck(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want string
	}{
		{"first data check", []string{"tab", "tab", "tab"}, "db-primary/mysql/lock_waits"},
		{"an ok check on a failing component", []string{"tab", "tab", "tab", "j", "j"}, "db-primary/mysql/connections"},
		{"a warn among crit", []string{"tab", "tab", "j"}, "invoice-api/metrics/error_rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
			m, _ = press(t, m, tt.keys...)
			require.Equal(t, tt.want, selectedID(m))
			m, _ = press(t, m, "enter")
			require.Equal(t, viewDrill, m.top())
			assert.Equal(t, tt.want, m.drill().Selected(m.ctx).ID)
			assert.Contains(t, m.View(), "── "+tt.want+" ")
		})
	}
}

// The drill-down's footer offers only the actions that apply.
func TestDrillFooterOffersOnlyWhatApplies(t *testing.T) {
	m, _ := fixtureModel(t, actionConfig(), Live, 120, 40)
	m, _ = press(t, m, "tab", "tab", "enter") // invoice-api: restart only
	foot := m.footer(m.layout().w)
	assert.Contains(t, foot, "R restart")
	assert.NotContains(t, foot, "K kill")
	assert.NotContains(t, foot, "S switch")
	assert.Contains(t, foot, "q quit")
}

// The drill-down states the selected check's threshold in the one wording
// its summary and the README use: the kind's default under the config's
// overrides.
func TestDrillStatesTheThreshold(t *testing.T) {
	for _, tt := range []struct {
		name      string
		overrides map[string]probes.Threshold
		want      string
	}{
		{"default", nil, "threshold: warn > 80%, crit > 90%"},
		{"configured", map[string]probes.Threshold{"connections": {Crit: probes.V(75)}}, "threshold: warn > 80%, crit > 75%"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fixture.Config()
			for i := range cfg.Components {
				if cfg.Components[i].Name == "db-primary" {
					cfg.Components[i].Probes = []probes.Spec{{Kind: "mysql", DSNEnv: "TRIAGE_DB_PRIMARY_DSN", Thresholds: tt.overrides}}
				}
			}
			m, _ := fixtureModel(t, cfg, Live, 80, 24)
			m, _ = press(t, m, "tab", "tab", "tab", "j", "j", "enter")
			require.Equal(t, "db-primary/mysql/connections", m.drill().Selected(m.ctx).ID)
			assert.Contains(t, m.View(), tt.want)
		})
	}
}
