package config_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/kinds"
)

const alertingBase = `components:
  - name: api
    probes: [{kind: metrics, url: "http://127.0.0.1:8080/metrics"}]
alerting:
`

func TestAlertingValidation(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // "line:col: message fragment"
	}{
		{"good", `  alertmanagers: [http://127.0.0.1:9093, "https://am.example.com/"]
  resend: 30s
  rules: [{check: metrics.pool, severity: critical, summary: "available connections < 10"}, {check: api/metrics/latency}]
`, nil},
		{"not http", "  alertmanagers: [127.0.0.1:9093]\n", []string{"5:19: alertmanagers"}},
		{"credentials", "  alertmanagers: [\"http://u:p@127.0.0.1:9093\"]\n", []string{"5:19: alertmanagers: credentials"}},
		{"zero resend", "  resend: 0s\n", []string{"5:11: resend: must be more than 0"}},
		{"bad resend", "  resend: soon\n", []string{"5:11: resend"}},
		{"unknown key", "  resends: 1m\n", []string{"5:3:"}},
		{"unknown kind", "  rules: [{check: metric.pool}]\n", []string{"5:19: rules: \"metric.pool\": unknown probe kind"}},
		{"unknown check", "  rules: [{check: metrics.pools}]\n", []string{"5:19: rules: \"metrics.pools\": kind \"metrics\" has no check"}},
		{"unknown component", "  rules: [{check: web/metrics/pool}]\n", []string{"5:19: rules: \"web/metrics/pool\": unknown component"}},
		{"no check", "  rules: [{severity: critical}]\n", []string{"5:11: rules: check is required"}},
		{"bad severity", "  rules: [{check: metrics.pool, severity: \"very bad\"}]\n", []string{"5:43: rules: severity"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(alertingBase+tc.yaml), "t.yaml", kinds.Registry)
			if tc.want == nil {
				require.NoError(t, err)
				assert.Equal(t, 30*time.Second, cfg.Alerting.ResendD())
				assert.Len(t, cfg.Alerting.Rules, 2)
				return
			}
			var ve *config.ValidationError
			require.True(t, errors.As(err, &ve), "want a validation error, got %v", err)
			require.Len(t, ve.Issues, len(tc.want), "%v", ve)
			for i, w := range tc.want {
				assert.Contains(t, ve.Issues[i].String(), w)
			}
		})
	}
}

func TestAlertingDefaults(t *testing.T) {
	cfg, err := config.Parse([]byte(alertingBase+"  alertmanagers: [http://127.0.0.1:9093]\n"), "t.yaml", kinds.Registry)
	require.NoError(t, err)
	assert.Equal(t, config.DefaultResend, cfg.Alerting.ResendD())
	assert.Equal(t, 10*time.Second, cfg.Alerting.TimeoutD())
}
