package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIncidentCloseAfter(t *testing.T) {
	const comps = "components:\n  - name: api\n    probes: [{kind: tcp, address: \"127.0.0.1:80\"}]\n"
	tests := []struct {
		name string
		yaml string
		want time.Duration
		err  string
	}{
		{"default", comps, 10 * time.Minute, ""},
		{"set", "incident: {close_after: 30m}\n" + comps, 30 * time.Minute, ""},
		{"zero", "incident:\n  close_after: 0s\n" + comps, 0, "2:16: close_after: must be more than 0"},
		{"negative", "incident: {close_after: -1m}\n" + comps, 0, "close_after"},
		{"not a duration", "incident: {close_after: soon}\n" + comps, 0, "close_after"},
		{"unknown key", "incident: {close_afer: 5m}\n" + comps, 0, "close_afer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml), "t.yaml", specKinds())
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.Incident.CloseAfterD())
		})
	}
}
