package tui

import (
	"testing"

	"github.com/charmbracelet/bubbles/key"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/remedy/catalog"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/drill"
)

// TestScreenOffersEveryCatalogAction fails when an action is added to the
// catalog without the screen binding its key, listing it in the help and
// the drill-down, and opening the guard's dialog for that action.
func TestScreenOffersEveryCatalogAction(t *testing.T) {
	km := common.DefaultKeyMap()
	var help []string
	for _, col := range km.FullHelp() {
		for _, b := range col {
			help = append(help, b.Help().Key)
		}
	}
	m, _ := guardedModel(t, actionConfig(), Live, remedy.Options{}, nil, 120, 40)
	m, _ = press(t, m, "tab", "tab", "tab", "enter") // db-primary: a mysql probe, kill_session and switchover
	require.Equal(t, viewDrill, m.top())
	acts := drill.Actions(m.ctx, "db-primary")
	require.Len(t, acts, len(catalog.All()))
	for i, s := range catalog.All() {
		t.Run(string(s.Kind), func(t *testing.T) {
			require.True(t, key.Matches(keyMsg(s.Key), km.Actions[i]), "key %s", s.Key)
			assert.Equal(t, s.Help, km.Actions[i].Help().Desc)
			assert.Contains(t, help, s.Key, "the help view lists %s", s.Key)
			assert.Equal(t, s.Key, acts[i].Key)
			assert.Equal(t, s.Section, acts[i].Name)

			if !acts[i].Applies {
				return // restart is not enabled on db-primary
			}
			opened, cmd := press(t, m, s.Key)
			require.NotNil(t, cmd, "%s previews through the guard", s.Key)
			require.True(t, opened.act.dlg.Visible())
			assert.Equal(t, s.Kind, opened.act.dlg.Request().Action)
		})
	}
}
