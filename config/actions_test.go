package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// TestActionSectionsMatchCatalog fails when a section is added to Actions
// without an action in the catalog, or the catalog names a section the
// config does not have.
func TestActionSectionsMatchCatalog(t *testing.T) {
	var fields []string
	typ := reflect.TypeOf(Actions{})
	for i := 0; i < typ.NumField(); i++ {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
		fields = append(fields, name)
	}
	assert.ElementsMatch(t, fields, catalog.Sections())
}

func TestActionsEnables(t *testing.T) {
	tests := []struct {
		name    string
		actions Actions
		want    []catalog.Kind
	}{
		{"none", Actions{}, nil},
		{"kill_session", Actions{KillSession: &KillSession{}}, []catalog.Kind{catalog.KillSession, catalog.KillQuery}},
		{"restart", Actions{Restart: &Restart{Argv: []string{"true"}}}, []catalog.Kind{catalog.Restart}},
		{"switchover", Actions{Switchover: &Switchover{Standby: "b"}}, []catalog.Kind{catalog.Switchover, catalog.Failover}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []catalog.Kind
			for _, s := range catalog.All() {
				if tt.actions.Enables(s.Kind) {
					got = append(got, s.Kind)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
	assert.False(t, Actions{Restart: &Restart{}}.Enables("reboot"), "an unknown kind is never enabled")
}

func TestActionsEnableRoundTrip(t *testing.T) {
	var a Actions
	for _, s := range catalog.Sections() {
		require.NoError(t, a.Enable(s))
	}
	assert.Equal(t, catalog.Sections(), a.Sections())
	require.Error(t, a.Enable("reboot"))
}
