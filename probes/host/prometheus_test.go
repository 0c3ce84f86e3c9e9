package host

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

const instA, instB = "10.0.0.1:9100", "10.0.0.2:9100"

// fakeProm answers /api/v1/query like Prometheus: answer maps a query to a
// result (a model.Value) or an API error.
type fakeProm struct {
	mu      sync.Mutex
	queries []string
	answer  func(q string) (model.Value, *apiErr)
}

type apiErr struct{ typ, msg string }

func (f *fakeProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/query" {
		http.NotFound(w, r)
		return
	}
	_ = r.ParseForm()
	q := r.Form.Get("query")
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	v, e := f.answer(q)
	w.Header().Set("Content-Type", "application/json")
	if e != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "error", "errorType": e.typ, "error": e.msg})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": v.Type().String(), "result": v}})
}

// fleetVector is instance A's node exporter fixture as Prometheus would
// return it for the gauges query, plus instance B down.
func fleetVector(t *testing.T, withB bool) model.Vector {
	t.Helper()
	m, err := parseExposition(openFixture(t, "node_exporter_tcpstat.txt"))
	require.NoError(t, err)
	now := model.Now()
	vec := model.Vector{{Metric: model.Metric{"__name__": "up", "instance": instA, "job": "node"}, Value: 1, Timestamp: now}}
	for _, name := range fleetGauges {
		for _, s := range m[name] {
			lm := s.labels.Clone()
			lm["instance"], lm["job"] = instA, "node"
			vec = append(vec, &model.Sample{Metric: lm, Value: model.SampleValue(s.value), Timestamp: now})
		}
	}
	if withB {
		vec = append(vec, &model.Sample{Metric: model.Metric{"__name__": "up", "instance": instB, "job": "node"}, Value: 0, Timestamp: now})
	}
	return vec
}

func sample(v float64, labels ...string) *model.Sample {
	m := model.Metric{}
	for i := 0; i+1 < len(labels); i += 2 {
		m[model.LabelName(labels[i])] = model.LabelValue(labels[i+1])
	}
	return &model.Sample{Metric: m, Value: model.SampleValue(v), Timestamp: model.Now()}
}

func fleetAnswer(gauges model.Vector) func(q string) (model.Value, *apiErr) {
	return func(q string) (model.Value, *apiErr) {
		switch {
		case strings.Contains(q, "__name__=~"):
			return gauges, nil
		case strings.HasPrefix(q, "sum by (instance, mode)"):
			return model.Vector{
				sample(0.5, "instance", instA, "mode", "user"), sample(0.2, "instance", instA, "mode", "system"),
				sample(1.2, "instance", instA, "mode", "idle"), sample(0.1, "instance", instA, "mode", "iowait"),
			}, nil
		case strings.HasPrefix(q, "count by (instance)"):
			return model.Vector{sample(2, "instance", instA)}, nil
		case strings.HasPrefix(q, "irate(node_disk_reads"):
			return model.Vector{sample(100, "instance", instA, "device", "vda"), sample(1, "instance", instA, "device", "sda1")}, nil
		case strings.HasPrefix(q, "irate(node_disk_writes"):
			return model.Vector{sample(50, "instance", instA, "device", "vda")}, nil
		}
		return model.Vector{}, nil
	}
}

func newProm(t *testing.T, spec probes.Spec) *Prometheus {
	t.Helper()
	spec.Kind = "prometheus"
	p, err := PrometheusKind.New(spec)
	require.NoError(t, err)
	return p.(*Prometheus)
}

// split groups results by component, then check.
func split(rs []probes.Result) map[string]map[string]probes.Result {
	out := map[string]map[string]probes.Result{}
	for _, r := range rs {
		if out[r.Component] == nil {
			out[r.Component] = map[string]probes.Result{}
		}
		out[r.Component][r.Check] = r
	}
	return out
}

func TestPrometheusFleet(t *testing.T) {
	gauges := fleetVector(t, true)
	fake := &fakeProm{answer: fleetAnswer(gauges)}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	p := newProm(t, probes.Spec{URL: srv.URL, Selector: `{job="node"}`})
	assert.Equal(t, []probes.Check{instancesCheck}, p.Checks())

	got := split(runWithin(p, 3*time.Second))
	own := got[""][CheckInstances]
	assert.Equal(t, probes.OK, own.Status)
	assert.Equal(t, `2 instances match {job="node"} (1 not scraped: up == 0)`, own.Summary)
	assert.Equal(t, []string{instA, instB}, own.Evidence["instances"])

	a := got[instA]
	require.Len(t, a, len(HostChecks))
	assert.Equal(t, probes.OK, a[CheckCPU].Status, a[CheckCPU].Summary)
	assert.InDelta(t, 35, *a[CheckCPU].Value, 0.01, "irate modes: (0.5+0.2)/2.0")
	assert.Equal(t, "CPU 35.0% busy on 2 cores", a[CheckCPU].Summary)
	assert.InDelta(t, 150, *a[CheckIOPS].Value, 0.01, "partitions are left out")
	assert.Equal(t, probes.Unknown, a[CheckOOM].Status, "OOM kills are a delta between rounds")
	for _, c := range []string{CheckMemory, CheckSwap, CheckLoad, CheckDisk, CheckInodes, CheckFDs, CheckSockets} {
		assert.Equal(t, probes.OK, a[c].Status, "%s: %s", c, a[c].Summary)
		assert.Equal(t, probes.Server, a[c].Layer)
	}
	b := got[instB]
	require.Len(t, b, len(HostChecks))
	for _, r := range b {
		assert.Equal(t, probes.Unknown, r.Status)
		assert.Equal(t, "prometheus cannot scrape this instance (up == 0)", r.Summary)
	}
	for _, q := range fake.queries {
		assert.Contains(t, q, `job="node"`, "every query carries the selector")
	}

	// Second round: the OOM delta exists now.
	got = split(runWithin(p, 3*time.Second))
	assert.Equal(t, probes.OK, got[instA][CheckOOM].Status, got[instA][CheckOOM].Summary)

	// Instance A disappears from Prometheus.
	fake.answer = fleetAnswer(model.Vector{gauges[len(gauges)-1]})
	got = split(runWithin(p, 3*time.Second))
	for _, r := range got[instA] {
		assert.Equal(t, probes.Unknown, r.Status)
		assert.Contains(t, r.Summary, "no longer reported")
	}

	// Prometheus goes away: every known check is unknown, nothing crashes.
	srv.Close()
	start := time.Now()
	rs := runWithin(p, time.Second)
	grace.Within(t, time.Since(start), time.Second, "an unreachable Prometheus")
	got = split(rs)
	assert.Contains(t, got[""][CheckInstances].Summary, "prometheus unreachable: ")
	for _, inst := range []string{instA, instB} {
		require.Len(t, got[inst], len(HostChecks), inst)
		for _, r := range got[inst] {
			assert.Equal(t, probes.Unknown, r.Status)
			assert.Contains(t, r.Summary, "prometheus unreachable: ")
		}
	}
}

func TestPrometheusNoInstances(t *testing.T) {
	srv := httptest.NewServer(&fakeProm{answer: func(string) (model.Value, *apiErr) { return model.Vector{}, nil }})
	t.Cleanup(srv.Close)
	rs := runWithin(newProm(t, probes.Spec{URL: srv.URL}), 2*time.Second)
	require.Len(t, rs, 1)
	assert.Equal(t, probes.Unknown, rs[0].Status)
	assert.Equal(t, "no node_exporter instance matches "+DefaultSelector, rs[0].Summary)
}

func TestPrometheusRules(t *testing.T) {
	answer := func(q string) (model.Value, *apiErr) {
		switch q {
		case "one":
			return model.Vector{sample(42, "instance", "x")}, nil
		case "many":
			return model.Vector{sample(5, "pool", "a"), sample(97, "pool", "b"), sample(30, "pool", "c")}, nil
		case "low":
			return model.Vector{sample(3, "db", "a"), sample(12, "db", "b")}, nil
		case "scalar":
			return &model.Scalar{Value: 7, Timestamp: model.Now()}, nil
		case "nan":
			return model.Vector{sample(nan())}, nil
		case "matrix":
			return model.Matrix{}, nil
		case "bad(":
			return nil, &apiErr{"bad_data", `1:5: parse error: unclosed left parenthesis`}
		}
		return model.Vector{}, nil
	}
	srv := httptest.NewServer(&fakeProm{answer: answer})
	t.Cleanup(srv.Close)
	w, c := probes.V(50), probes.V(90)
	rules := []probes.Rule{
		{Name: "one", Query: "one", Unit: "%", Warn: w, Crit: c},
		{Name: "many", Query: "many", Layer: "application", Unit: "%", Warn: w, Crit: c, For: probes.Duration(time.Minute)},
		{Name: "low", Query: "low", Layer: "data", Warn: probes.V(10), Crit: probes.V(5), Below: true},
		{Name: "scalar", Query: "scalar", Warn: probes.V(5)},
		{Name: "nan", Query: "nan", Warn: w},
		{Name: "matrix", Query: "matrix"},
		{Name: "bad", Query: "bad("},
		{Name: "empty", Query: "empty"},
		{Name: "override", Query: "one", Warn: probes.V(99)},
	}
	p := newProm(t, probes.Spec{URL: srv.URL, Rules: rules, Thresholds: map[string]probes.Threshold{"override": {Warn: probes.V(40)}}})
	require.Len(t, p.Checks(), len(rules), "rules only: no fleet without a selector")
	assert.Equal(t, probes.Application, p.Checks()[1].Layer)

	got := split(runWithin(p, 3*time.Second))[""]
	require.Len(t, got, len(rules))
	tests := []struct {
		check   string
		status  probes.Status
		layer   probes.Layer
		summary string
		value   *float64
	}{
		{check: "one", status: probes.OK, layer: probes.Server, summary: "one = 42 %", value: probes.V(42)},
		{check: "many", status: probes.Crit, layer: probes.Application, summary: `many = 97 % on {pool="b"} (worst of 3 series) (crit > 90%)`, value: probes.V(97)},
		{check: "low", status: probes.Crit, layer: probes.Data, summary: `low = 3 on {db="a"} (worst of 2 series) (crit < 5)`, value: probes.V(3)},
		{check: "scalar", layer: probes.Server, status: probes.Warn, summary: "scalar = 7 (warn > 5)", value: probes.V(7)},
		{check: "nan", layer: probes.Server, status: probes.Unknown, summary: "query returned only NaN"},
		{check: "matrix", layer: probes.Server, status: probes.Unknown, summary: "query returned a matrix"},
		{check: "bad", layer: probes.Server, status: probes.Unknown, summary: "query failed (bad_data): 1:5: parse error"},
		{check: "empty", layer: probes.Server, status: probes.Unknown, summary: "query returned no data"},
		{check: "override", layer: probes.Server, status: probes.Warn, summary: "(warn > 40)"},
	}
	for _, tt := range tests {
		t.Run(tt.check, func(t *testing.T) {
			r := got[tt.check]
			assert.Equal(t, tt.status, r.Status, r.Summary)
			assert.Equal(t, tt.layer, r.Layer)
			assert.Contains(t, r.Summary, tt.summary)
			if tt.value != nil {
				require.NotNil(t, r.Value)
				assert.InDelta(t, *tt.value, *r.Value, 0.001)
			}
			_, err := json.Marshal(r)
			assert.NoError(t, err)
		})
	}
	assert.Equal(t, time.Minute, got["many"].For)
	assert.Len(t, got["many"].Evidence["series"], 3)

	srv.Close()
	for _, r := range runWithin(p, time.Second) {
		assert.Equal(t, probes.Unknown, r.Status)
		assert.Contains(t, r.Summary, "prometheus unreachable: connection refused")
	}
}

func TestPrometheusNew(t *testing.T) {
	tests := []struct {
		name string
		spec probes.Spec
		want string
	}{
		{name: "selector without braces", spec: probes.Spec{URL: "http://p:9090", Selector: `job="node"`}, want: "want label matchers in braces"},
		{name: "rule without query", spec: probes.Spec{URL: "http://p:9090", Rules: []probes.Rule{{Name: "x"}}}, want: "name and query are required"},
		{name: "duplicate rule", spec: probes.Spec{URL: "http://p:9090", Rules: []probes.Rule{{Name: "x", Query: "1"}, {Name: "x", Query: "2"}}}, want: "already taken"},
		{name: "rule named like the fleet check", spec: probes.Spec{URL: "http://p:9090", Selector: "{}", Rules: []probes.Rule{{Name: "instances", Query: "1"}}}, want: "already taken"},
		{name: "rule named like a host check", spec: probes.Spec{URL: "http://p:9090", Selector: "{}", Rules: []probes.Rule{{Name: "cpu", Query: "1"}}}, want: "already taken"},
		{name: "bad layer", spec: probes.Spec{URL: "http://p:9090", Rules: []probes.Rule{{Name: "x", Query: "1", Layer: "disk"}}}, want: "unknown layer"},
		{name: "bad url", spec: probes.Spec{URL: "p:9090"}, want: "url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PrometheusKind.New(tt.spec)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestFleetQueries(t *testing.T) {
	q := newProm(t, probes.Spec{URL: "http://p:9090", Selector: `{job="node", env="prod",}`}).fleetQueries()
	assert.Equal(t, `sum by (instance, mode) (irate(node_cpu_seconds_total{job="node", env="prod"}[2m]))`, q.cpu)
	assert.Equal(t, `count by (instance) (node_cpu_seconds_total{mode="idle", job="node", env="prod"})`, q.cores)
	assert.True(t, strings.HasPrefix(q.gauges, `{__name__=~"up|node_memory_MemTotal_bytes|`), q.gauges)
	assert.Contains(t, q.gauges, `fstype!~"autofs|`)
	assert.NotContains(t, q.gauges, "overlay")

	q = newProm(t, probes.Spec{URL: "http://p:9090", Selector: "{}"}).fleetQueries()
	assert.Equal(t, `irate(node_disk_reads_completed_total{}[2m])`, q.reads)
}
