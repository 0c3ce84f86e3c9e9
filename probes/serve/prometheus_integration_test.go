package serve_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/fivelayer/triage/probes/kinds"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes/export"
	"github.com/fivelayer/triage/probes/serve/servetest"
)

// scrapeInterval is Prometheus's, in the test config; deadlines are
// multiples of it and of the estate's interval.
const scrapeInterval = time.Second

// TestPrometheusScrapesServe: a real Prometheus scrapes `triage serve`, and
// a PromQL query finds the crit check once the application fails.
func TestPrometheusScrapesServe(t *testing.T) {
	e := servetest.Start(t, "")
	e.SetDown(true)
	// The rules `triage rules export` writes for this estate, evaluated by
	// the same Prometheus: they must fire on the live series, not only parse.
	var rules bytes.Buffer
	require.NoError(t, export.WriteRules(&rules, export.Rules(e.Config.RuleSource(kinds.Registry)), "test"))
	rulePath := filepath.Join(t.TempDir(), "triage.rules.yml")
	require.NoError(t, os.WriteFile(rulePath, rules.Bytes(), 0o600))
	prom := testenv.StartPrometheus(t, fmt.Sprintf(`global: {scrape_interval: %s, evaluation_interval: %s}
rule_files: [%q]
scrape_configs:
  - job_name: triage
    static_configs: [{targets: [%q]}]
`, model.Duration(scrapeInterval), model.Duration(scrapeInterval), rulePath, strings.TrimPrefix(e.URL, "http://")))
	client, err := api.NewClient(api.Config{Address: prom.URL})
	require.NoError(t, err)
	promAPI := v1.NewAPI(client)

	query := func(q string) model.Vector {
		ctx, cancel := context.WithTimeout(context.Background(), 10*scrapeInterval)
		defer cancel()
		v, _, _, err := promAPI.Query(ctx, q, time.Now())
		if err != nil {
			return nil
		}
		vec, _ := v.(model.Vector)
		return vec
	}
	var crit model.Vector
	ok := servetest.WaitFor(60*scrapeInterval, func() bool {
		crit = query(`triage_check_status{estate="shop"} == 2`)
		return len(crit) > 0
	})
	require.True(t, ok, "no crit check in Prometheus within 60 scrape intervals")
	m := crit[0].Metric
	require.Equal(t, model.LabelValue("api"), m["component"])
	require.Equal(t, model.LabelValue("status"), m["check"])
	require.Equal(t, model.LabelValue("application"), m["layer"])
	require.Equal(t, model.LabelValue("triage"), m["job"])

	require.True(t, servetest.WaitFor(30*scrapeInterval, func() bool {
		g := query(`triage_grade{estate="shop"}`)
		return len(g) == 1 && g[0].Value == 4
	}), "the grade in Prometheus is red")
	require.True(t, servetest.WaitFor(30*scrapeInterval, func() bool {
		rc := query(`triage_root_cause{estate="shop",component="api",severity="red"}`)
		return len(rc) == 1
	}), "the root cause in Prometheus")
	for _, alert := range []string{"TriageGradeRed", "TriageRootCause"} {
		require.True(t, servetest.WaitFor(30*scrapeInterval, func() bool {
			return len(query(`ALERTS{alertname="`+alert+`",alertstate="firing",estate="shop"}`)) == 1
		}), "the exported rule %s fires in Prometheus", alert)
	}
	rc := query(`ALERTS{alertname="TriageRootCause",alertstate="firing"}`)
	require.Len(t, rc, 1)
	require.Equal(t, model.LabelValue("red"), rc[0].Metric["severity"], "the root cause carries its grade as severity")
}
