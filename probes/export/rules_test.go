package export_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes/export"
	"github.com/fivelayer/triage/probes/kinds"
)

// seedConfig holds the runbook's example rule: pool use > 90 for 5m, severity
// critical, "available connections < 10".
const seedConfig = `estate: invoice-prod
interval: 5s
core: [invoice-api]
components:
  - name: invoice-api
    probes:
      - {kind: http, url: "https://api.example.com/actuator/health"}
      - {kind: metrics, url: "http://10.0.0.1:8080/actuator/prometheus"}
  - name: edge
    probes:
      - {kind: tls, address: "api.example.com:443", thresholds: {certificate: {warn: 21}}}
thresholds:
  metrics.pool: {crit: 90, for: 5m}
  http.status: {crit: 499}
  tls.certificate: {crit: 7}
alerting:
  rules:
    - {check: metrics.pool, severity: critical, summary: "available connections < 10"}
`

func rulesOf(t *testing.T, src string) (export.RuleFile, []byte) {
	t.Helper()
	cfg, err := config.Parse([]byte(src), "test.yaml", kinds.Registry)
	require.NoError(t, err)
	f := export.Rules(cfg.RuleSource(kinds.Registry))
	var b bytes.Buffer
	require.NoError(t, export.WriteRules(&b, f, cfg.Source))
	return f, b.Bytes()
}

func TestRulesExport(t *testing.T) {
	f, out := rulesOf(t, seedConfig)
	require.Len(t, f.Groups, 1)
	byName := map[string]export.Rule{}
	for _, r := range f.Groups[0].Rules {
		byName[r.Alert] = r
	}
	tests := []struct {
		alert, expr, forDur, severity, summary string
	}{
		{"TriageMetricsPoolCritical", `triage_check_value{estate="invoice-prod",component="invoice-api",probe="metrics",check="pool"} > 90`, "5m", "critical", "available connections < 10"},
		{"TriageHttpStatusCritical", `triage_check_value{estate="invoice-prod",component="invoice-api",probe="http",check="status"} > 499`, "", "red", ""},
		{"TriageTlsCertificateCritical", `triage_check_value{estate="invoice-prod",component="edge",probe="tls",check="certificate"} < 7`, "", "orange", ""},
		{"TriageTlsCertificateWarning", `triage_check_value{estate="invoice-prod",component="edge",probe="tls",check="certificate"} < 21 >= 7`, "", "blue", ""},
		{"TriageGradeRed", `triage_grade{estate="invoice-prod"} == 4`, "", "red", ""},
		{"TriageRootCause", `triage_root_cause{estate="invoice-prod"}`, "", "", ""},
		{"TriageStale", `triage_snapshot_age_seconds{estate="invoice-prod"} > 18`, "5s", "yellow", ""},
	}
	for _, tc := range tests {
		t.Run(tc.alert, func(t *testing.T) {
			r, ok := byName[tc.alert]
			require.True(t, ok, "rule %s exported", tc.alert)
			assert.Equal(t, tc.expr, r.Expr)
			assert.Equal(t, tc.forDur, r.For)
			assert.Equal(t, tc.severity, r.Labels["severity"])
			if tc.summary != "" {
				assert.Equal(t, tc.summary, r.Annotations["summary"])
			}
			if r.Expr != "" && tc.alert != "TriageRootCause" {
				assert.NotEmpty(t, r.Annotations["summary"])
				assert.NotEmpty(t, r.Annotations["description"])
				assert.NotEmpty(t, r.Annotations["runbook"])
			}
		})
	}
	_, hasPoolWarn := byName["TriageMetricsPoolWarning"]
	assert.False(t, hasPoolWarn, "only bounds set in config become rules")

	var back export.RuleFile
	require.NoError(t, yaml.Unmarshal(out, &back), "the output is YAML")
	assert.Equal(t, f, back)
}

// TestPromtoolAcceptsExportedRules runs Debian's promtool on the output.
func TestPromtoolAcceptsExportedRules(t *testing.T) {
	promtool := testenv.FindBinary(t, "prometheus", "promtool")
	for name, src := range map[string]string{"seed": seedConfig, "built-in example": config.Example()} {
		t.Run(name, func(t *testing.T) {
			_, out := rulesOf(t, src)
			path := filepath.Join(t.TempDir(), "triage.rules.yml")
			require.NoError(t, os.WriteFile(path, out, 0o600))
			msg, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
			require.NoError(t, err, "promtool: %s", msg)
			assert.Contains(t, string(msg), "SUCCESS")
		})
	}
}
