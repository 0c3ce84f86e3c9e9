package kinds

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
)

// TestExampleWithTheRealRegistry parses the example against the kinds triage
// really has, so `triage config example > triage.yaml` always validates.
func TestExampleWithTheRealRegistry(t *testing.T) {
	cfg, err := config.Parse([]byte(config.Example()), "example.yaml", Registry)
	require.NoError(t, err)
	assert.Empty(t, cfg.Warnings)
	targets, errs := Targets(cfg)
	require.Empty(t, errs)
	assert.NotEmpty(t, targets)
	for _, tg := range targets {
		if c, ok := tg.Probe.(interface{ Close() error }); ok {
			_ = c.Close()
		}
	}
}
