package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
