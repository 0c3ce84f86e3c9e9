package app

import (
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func mustParse(t *testing.T, text string) exposition {
	t.Helper()
	exp, err := parseExposition(strings.NewReader(text), expfmt.NewFormat(expfmt.TypeTextPlain))
	require.NoError(t, err)
	return exp
}

func byCheck(rs []probes.Result) map[string]probes.Result {
	out := map[string]probes.Result{}
	for _, r := range rs {
		out[r.Check] = r
	}
	return out
}

func TestParseExposition(t *testing.T) {
	om, err := os.ReadFile("testdata/openmetrics.txt")
	require.NoError(t, err)
	sb, err := os.ReadFile("testdata/springboot.prom")
	require.NoError(t, err)
	tests := []struct {
		name    string
		body    string
		format  expfmt.Format
		wantErr string
		metric  string
		series  int
	}{
		{name: "spring boot text", body: string(sb), format: expfmt.FmtText, metric: "http_server_requests_seconds_count", series: 2},
		{name: "spring boot buckets", body: string(sb), format: expfmt.FmtText, metric: "http_server_requests_seconds_bucket", series: 12},
		{name: "unknown content type read as text", body: string(sb), format: expfmt.FmtUnknown, metric: "hikaricp_connections_max", series: 1},
		{name: "openmetrics", body: string(om), format: expfmt.FmtOpenMetrics_1_0_0, metric: "http_server_requests_seconds_bucket", series: 3},
		{name: "openmetrics count", body: string(om), format: expfmt.FmtOpenMetrics_1_0_0, metric: "http_server_requests_seconds_count", series: 1},
		{name: "html is not exposition", body: "<html><body>Whitelabel Error Page</body></html>\n", format: expfmt.FmtText, wantErr: "not valid exposition text"},
		{name: "openmetrics with exemplars needs the openmetrics decoder", body: "# TYPE a counter\na_total{x=\"1\"} 3 # {trace_id=\"abc\"} 1.0 1700000000.000\n# EOF\n", format: expfmt.FmtOpenMetrics_1_0_0, metric: "a_total", series: 1},
		{name: "openmetrics garbage", body: "# TYPE a gauge\na one\n# EOF\n", format: expfmt.FmtOpenMetrics_1_0_0, wantErr: "not valid exposition text"},
		{name: "bad value", body: "a{x=\"1\"} one\n", format: expfmt.FmtText, wantErr: "not valid exposition text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exp, err := parseExposition(strings.NewReader(tc.body), tc.format)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, exp[tc.metric], tc.series)
		})
	}
}

func counters(at time.Time, text string, t *testing.T) *counterSample {
	exp := mustParse(t, text)
	return &counterSample{at: at, requests: exp["http_server_requests_seconds_count"], buckets: exp["http_server_requests_seconds_bucket"]}
}

func TestErrorRate(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	re := regexp.MustCompile("^(?:5..)$")
	const before = `c{status="200"} 1000
c{status="500"} 10
`
	tests := []struct {
		name      string
		prev, cur string
		noPrev    bool
		want      probes.Status
		value     float64
		summary   string
	}{
		{name: "20 percent is crit", prev: before, cur: "c{status=\"200\"} 1080\nc{status=\"500\"} 30\n", want: probes.Crit, value: 20, summary: "errors 20.0% (20 of 100 requests in 10s) (crit > 10%)"},
		{name: "7 percent warns", prev: before, cur: "c{status=\"200\"} 1093\nc{status=\"500\"} 17\n", want: probes.Warn, value: 7, summary: "(warn > 5%)"},
		{name: "no errors", prev: before, cur: "c{status=\"200\"} 1100\nc{status=\"500\"} 10\n", want: probes.OK, value: 0},
		{name: "no traffic", prev: before, cur: before, want: probes.OK, value: 0, summary: "no requests in the last 10s"},
		{name: "new 503 series counts in full", prev: before, cur: "c{status=\"200\"} 1010\nc{status=\"500\"} 10\nc{status=\"503\"} 10\n", want: probes.Crit, value: 50},
		{name: "counter reset after restart", prev: before, cur: "c{status=\"200\"} 45\nc{status=\"500\"} 5\n", want: probes.Warn, value: 10},
		{name: "first sample", noPrev: true, cur: before, want: probes.Unknown, summary: "first sample; rate from next round"},
		{name: "metric absent", prev: before, cur: "other 1\n", want: probes.Unknown, summary: "metric c not exposed"},
		{name: "status label absent", prev: before, cur: "c{code=\"500\"} 1\n", want: probes.Unknown, summary: "metric c has no label status (set metrics.status_label)"},
	}
	names := defaultMetricNames
	names.Requests = "c"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exp := mustParse(t, tc.cur)
			cur := &counterSample{at: t0.Add(10 * time.Second), requests: exp["c"]}
			var prev *counterSample
			if !tc.noPrev {
				prev = &counterSample{at: t0, requests: mustParse(t, tc.prev)["c"]}
			}
			r := errorRate(names, re, ErrorRateThreshold, cur, prev)
			assert.Equal(t, tc.want, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tc.summary)
			if tc.want != probes.Unknown && !tc.noPrev {
				require.NotNil(t, r.Value)
				assert.InDelta(t, tc.value, *r.Value, 1e-9)
			}
		})
	}
}

func TestHistogramQuantile(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name string
		q    float64
		bs   []bucket
		want float64
	}{
		{name: "interpolates in first bucket", q: 0.5, bs: []bucket{{0.1, 100}, {1, 100}, {inf, 100}}, want: 0.05},
		{name: "interpolates in middle bucket", q: 0.99, bs: []bucket{{0.1, 90}, {1, 100}, {inf, 100}}, want: 0.1 + 0.9*0.9},
		{name: "rank in +Inf bucket gives highest finite bound", q: 0.99, bs: []bucket{{0.1, 10}, {2.5, 50}, {inf, 100}}, want: 2.5},
		{name: "unsorted input", q: 0.5, bs: []bucket{{inf, 4}, {1, 4}, {0.5, 2}}, want: 0.5},
		{name: "no +Inf bucket", q: 0.5, bs: []bucket{{1, 4}}, want: math.NaN()},
		{name: "no observations", q: 0.5, bs: []bucket{{1, 0}, {inf, 0}}, want: math.NaN()},
		{name: "non-monotonic counts repaired", q: 0.5, bs: []bucket{{0.1, 10}, {1, 8}, {inf, 20}}, want: 0.1 + 0.9*0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := histogramQuantile(tc.q, tc.bs)
			if math.IsNaN(tc.want) {
				assert.True(t, math.IsNaN(got), "got %v", got)
				return
			}
			assert.InDelta(t, tc.want, got, 1e-9)
		})
	}
}

func TestLatency(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	sb, err := os.ReadFile("testdata/springboot.prom")
	require.NoError(t, err)
	summary, err := os.ReadFile("testdata/springboot_summary.prom")
	require.NoError(t, err)
	zero := regexp.MustCompile(`(_bucket\{[^}]*\}) \d+`).ReplaceAllString(string(sb), "$1 0")
	tests := []struct {
		name      string
		prev, cur string
		want      probes.Status
		p99       float64
		summary   string
	}{
		{name: "slow errors push p99 to the last finite bucket", prev: zero, cur: string(sb), want: probes.Warn, p99: 2.5, summary: "p99 2.50 s"},
		{name: "no requests between scrapes", prev: string(sb), cur: string(sb), want: probes.OK, p99: 0, summary: "no requests"},
		{name: "summary only has no histogram", prev: string(summary), cur: string(summary), want: probes.Unknown, summary: "no histogram (enable percentiles-histogram)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := latency(defaultMetricNames, LatencyThreshold, counters(t0.Add(5*time.Second), tc.cur, t), counters(t0, tc.prev, t))
			assert.Equal(t, tc.want, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tc.summary)
			if tc.want != probes.Unknown {
				require.NotNil(t, r.Value)
				assert.InDelta(t, tc.p99, *r.Value, 1e-9)
			}
		})
	}
}

func TestPoolUse(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    probes.Status
		value   float64
		summary string
	}{
		{name: "95 percent is crit", text: "hikaricp_connections_active{pool=\"a\"} 19\nhikaricp_connections_max{pool=\"a\"} 20\nhikaricp_connections_pending{pool=\"a\"} 0\n", want: probes.Crit, value: 95, summary: "pool a 19/20 active (95%) (crit > 90%)"},
		{name: "80 percent warns", text: "hikaricp_connections_active{pool=\"a\"} 8\nhikaricp_connections_max{pool=\"a\"} 10\n", want: probes.Warn, value: 80},
		{name: "pending warns", text: "hikaricp_connections_active{pool=\"a\"} 2\nhikaricp_connections_max{pool=\"a\"} 10\nhikaricp_connections_pending{pool=\"a\"} 4\n", want: probes.Warn, value: 20, summary: "4 waiting for a connection"},
		{name: "busiest of two pools", text: "hikaricp_connections_active{pool=\"a\"} 1\nhikaricp_connections_active{pool=\"b\"} 10\nhikaricp_connections_max{pool=\"a\"} 10\nhikaricp_connections_max{pool=\"b\"} 10\n", want: probes.Crit, value: 100, summary: "pool b"},
		{name: "max absent", text: "hikaricp_connections_active{pool=\"a\"} 1\n", want: probes.Unknown, summary: "metric hikaricp_connections_max not exposed"},
		{name: "active absent", text: "x 1\n", want: probes.Unknown, summary: "metric hikaricp_connections_active not exposed"},
		{name: "max zero", text: "hikaricp_connections_active{pool=\"a\"} 1\nhikaricp_connections_max{pool=\"a\"} 0\n", want: probes.Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := poolUse(defaultMetricNames, PoolThreshold, mustParse(t, tc.text))
			assert.Equal(t, tc.want, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tc.summary)
			if tc.want != probes.Unknown {
				require.NotNil(t, r.Value)
				assert.InDelta(t, tc.value, *r.Value, 1e-9)
			}
		})
	}
}

func TestBreakers(t *testing.T) {
	state := func(name, cur string) string {
		var b strings.Builder
		for _, s := range []string{"closed", "open", "half_open", "forced_open"} {
			v := "0"
			if s == cur {
				v = "1"
			}
			b.WriteString("resilience4j_circuitbreaker_state{name=\"" + name + "\",state=\"" + s + "\"} " + v + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name    string
		text    string
		want    probes.Status
		summary string
	}{
		{name: "all closed", text: state("a", "closed") + state("b", "closed"), want: probes.OK, summary: "all 2 breakers closed"},
		{name: "open is crit", text: state("a", "open") + state("b", "closed"), want: probes.Crit, summary: "1 of 2 breakers open: a (crit > 0)"},
		{name: "forced open is crit", text: state("a", "forced_open"), want: probes.Crit},
		{name: "half open warns", text: state("a", "half_open"), want: probes.Warn, summary: "half-open: a"},
		{name: "legacy ordinal gauge", text: "resilience4j_circuitbreaker_state{name=\"a\"} 1\n", want: probes.Crit},
		{name: "absent", text: "x 1\n", want: probes.Unknown, summary: "metric resilience4j_circuitbreaker_state not exposed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := breakers(defaultMetricNames, BreakerThreshold, mustParse(t, tc.text))
			assert.Equal(t, tc.want, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tc.summary)
		})
	}
}

func TestNewMetricsConfig(t *testing.T) {
	tests := []struct {
		name    string
		spec    probes.Spec
		wantErr string
	}{
		{name: "defaults", spec: probes.Spec{Kind: "metrics", URL: "http://127.0.0.1:1/metrics"}},
		{name: "renamed", spec: probes.Spec{Kind: "metrics", URL: "http://127.0.0.1:1/metrics", Metrics: map[string]string{"requests": "http_requests_total", "status_label": "code"}}},
		{name: "unknown key", spec: probes.Spec{URL: "http://127.0.0.1:1/", Metrics: map[string]string{"requets": "x"}}, wantErr: `unknown key "requets"`},
		{name: "bad status regexp", spec: probes.Spec{URL: "http://127.0.0.1:1/", Metrics: map[string]string{"error_status": "5(("}}, wantErr: "error_status"},
		{name: "missing ca file", spec: probes.Spec{URL: "https://127.0.0.1:1/", CAFile: "/nonexistent/ca.pem"}, wantErr: "ca_file"},
		{name: "no url", spec: probes.Spec{}, wantErr: "url is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := MetricsKind.New(tc.spec)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, p.Checks(), 4)
		})
	}
}
