package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaxPerAddress(t *testing.T) {
	const comps = "components:\n  - name: api\n    probes: [{kind: tcp, address: \"127.0.0.1:80\"}]\n"
	tests := []struct {
		name string
		yaml string
		want int
		err  string
	}{
		{"default", comps, 0, ""},
		{"set", "max_per_address: 2\n" + comps, 2, ""},
		{"negative", "max_per_address: -1\n" + comps, 0, "1:18: max_per_address: must be 1 or more"},
		{"not a number", "max_per_address: many\n" + comps, 0, "1:18: max_per_address: expected a whole number"},
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
			assert.Equal(t, tt.want, cfg.SchedulerOptions().MaxPerAddress)
			assert.Equal(t, cfg.IntervalD(), cfg.SchedulerOptions().Interval)
		})
	}
}
