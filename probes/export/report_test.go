package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

var t0 = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func sample() []probes.Result {
	return []probes.Result{
		{ID: "api/tcp/connect", Component: "api", Probe: "tcp", Kind: "tcp", Check: "connect", Layer: probes.Network, Status: probes.Crit, Impact: probes.UserFacing,
			Summary: "127.0.0.1:1 connection refused (3/3)", Err: "dial tcp: connection refused", Duration: 3 * time.Millisecond},
		{ID: "db/mysql/lock_waits", Component: "db", Probe: "mysql", Kind: "mysql", Check: "lock_waits", Layer: probes.Data, Status: probes.Warn,
			Summary: "1 waiting\x1b[2J", Value: probes.V(4), Unit: "s",
			Evidence: map[string]any{"waits": []map[string]any{{"waiting_thread": 8, "blocking_thread": 7}}, "root_blockers": []int64{7}}},
	}
}

func TestJSONContract(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, JSON(&buf, Build("invoice-prod", t0, sample(), incident.NewTopology([]incident.Node{{Name: "api", Core: true, DependsOn: []string{"db"}}, {Name: "db"}}))))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	assert.Equal(t, "invoice-prod", doc["estate"])
	assert.Equal(t, "2026-11-25T03:00:00Z", doc["time"])
	assert.Equal(t, "red", doc["severity"])
	layers := doc["layers"].([]any)
	require.Len(t, layers, 5)
	for i, name := range []string{"network", "server", "application", "data", "security"} {
		l := layers[i].(map[string]any)
		assert.Equal(t, name, l["layer"])
		assert.NotNil(t, l["checks"], "checks is [] never null")
	}
	c := layers[0].(map[string]any)["checks"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "component", "probe", "check", "status", "summary", "value", "unit", "evidence", "duration_ms", "error"} {
		assert.Contains(t, c, k)
	}
	assert.Equal(t, "crit", c["status"])
	assert.Equal(t, 3.0, c["duration_ms"])
	assert.Equal(t, map[string]any{}, c["evidence"])
	d := layers[3].(map[string]any)["checks"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{7.0}, d["evidence"].(map[string]any)["root_blockers"])

	diag := doc["diagnosis"].(map[string]any)
	causes := diag["root_causes"].([]any)
	require.Len(t, causes, 2)
	first := causes[0].(map[string]any)
	for _, k := range []string{"check_id", "component", "layer", "summary", "chain", "explains", "advice"} {
		assert.Contains(t, first, k)
	}
	assert.Equal(t, "api/tcp/connect", first["check_id"], "api is core and unreachable: it ranks first")
	assert.Equal(t, []any{"api"}, first["chain"])
	adv := first["advice"].([]any)[0].(map[string]any)
	assert.Contains(t, adv, "action")
	assert.Nil(t, adv["action"], "no action enabled: null")
	assert.Equal(t, "db/mysql/lock_waits", causes[1].(map[string]any)["check_id"])
	assert.Equal(t, []any{}, diag["unexplained"])
	assert.Equal(t, []any{"server", "application", "security"}, diag["not_watched"])
	assert.Equal(t, false, layers[1].(map[string]any)["watched"])
	assert.Equal(t, "unknown", layers[1].(map[string]any)["status"], "a layer with no checks is never ok")
}

func TestTextIsOneLinePerCheckAndSanitised(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Text(&buf, Build("e", t0, sample(), nil)))
	out := buf.String()
	assert.Contains(t, out, "severity ORANGE")
	assert.Contains(t, out, "✖ crit    api/tcp/connect: 127.0.0.1:1 connection refused (3/3)")
	assert.NotContains(t, out, "\x1b")
	assert.Contains(t, out, "root causes, most likely first:\n  1. ✖ crit api/tcp/connect")
}

func TestPrometheusParses(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Prometheus(&buf, Build("e", t0, sample(), nil)))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(buf.String()))
	require.NoError(t, err, buf.String())
	require.Contains(t, fams, "triage_check_status")
	assert.Len(t, fams["triage_check_status"].Metric, 2)
	assert.Equal(t, float64(incident.Orange), fams["triage_severity"].Metric[0].GetGauge().GetValue())
	assert.Len(t, fams["triage_layer_status"].Metric, 5)
}

// TestTextDropsHostileSequencesWhole: what the estate says is printed
// without the payload of a stripped OSC (7-bit or C1), without
// bidirectional overrides, and the estate's own name is cleaned too.
func TestTextDropsHostileSequencesWhole(t *testing.T) {
	rs := sample()
	rs[0].Summary = "refused\x1b]0;pwned-title\x07 (3/3) \u202eevil"
	rs[0].Err = "dial\u009d0;pwned-c1\u009c refused\x1b]8;;http://pwned-link\x1b\\"
	rs[1].Unit = "s\x1b[2J"
	var buf bytes.Buffer
	require.NoError(t, Text(&buf, Build("prod\x1b]2;pwned-estate\x07", t0, rs, nil)))
	out := buf.String()
	for _, bad := range []string{"pwned", "\u202e", "\x1b", "\u009d", "\u009c", "\a"} {
		assert.NotContains(t, out, bad)
	}
	assert.Contains(t, out, "api/tcp/connect: refused (3/3) evil")
	assert.Contains(t, out, "error: dial refused")
	assert.True(t, strings.HasPrefix(out, "prod  "), out)
}
