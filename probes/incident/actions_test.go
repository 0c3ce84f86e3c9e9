package incident

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// TestActionsAreCatalogNames keeps the advice's actions those of the one
// table: each has the catalog's key, and the catalog has no action the
// advice cannot name.
func TestActionsAreCatalogNames(t *testing.T) {
	ours := []Action{KillSession, KillQuery, Restart, Switchover, Failover}
	var names []string
	for _, a := range ours {
		s, ok := catalog.ByName(string(a))
		if assert.True(t, ok, "%s is not in the catalog", a) {
			assert.Equal(t, s.Key, a.Key())
		}
		names = append(names, string(a))
	}
	assert.ElementsMatch(t, catalog.Names(), names)
	assert.Empty(t, NoAction.Key())
}
