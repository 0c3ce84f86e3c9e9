package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/fivelayer/triage/probes"
)

// Default thresholds of the metrics checks (docs/config.md, default thresholds).
var (
	// ErrorRateThreshold grades the 5xx share of requests between two scrapes, in percent.
	ErrorRateThreshold = probes.Above(5, 10)
	// LatencyThreshold grades p99 latency between two scrapes, in seconds.
	LatencyThreshold = probes.Above(1, 3)
	// PoolThreshold grades the busiest pool's active/max, in percent (> 90% crit, the runbook's figure).
	PoolThreshold = probes.Above(75, 90)
	// BreakerThreshold grades the number of open (or forced open) circuit breakers.
	BreakerThreshold = probes.Threshold{Crit: probes.V(0)}
)

var metricsChecks = []probes.Check{
	{Name: "error_rate", Layer: probes.Application, OnTimeout: probes.Unknown, Rate: true, UserFacing: true},
	{Name: "latency", Layer: probes.Application, OnTimeout: probes.Unknown, Rate: true, UserFacing: true},
	{Name: "pool", Layer: probes.Application, OnTimeout: probes.Unknown},
	{Name: "circuit_breaker", Layer: probes.Application, OnTimeout: probes.Unknown},
}

// MetricsKind scrapes an application's Prometheus or OpenMetrics endpoint.
var MetricsKind = probes.Kind{
	Name:       "metrics",
	Thresholds: map[string]probes.Threshold{"error_rate": ErrorRateThreshold, "latency": LatencyThreshold, "pool": PoolThreshold, "circuit_breaker": BreakerThreshold},
	Doc:        "scrape an app's /metrics (Prometheus text or OpenMetrics): 5xx share, p50/p99 latency, connection pool, circuit breakers; Micrometer names by default, renamed under `metrics:`",
	Required:   [][]string{{"url"}},
	Allowed:    []string{"url", "metrics", "ca_file", "server_name"},
	Checks:     metricsChecks,
	New:        func(s probes.Spec) (probes.Probe, error) { return NewMetrics(s) },
}

// metricNames are the metric and label names a metrics probe reads; each can
// be renamed in config under `metrics:` by its key (see metricKeys).
type metricNames struct {
	Requests     string // counter of requests, one series per status
	StatusLabel  string // label carrying the HTTP status
	ErrorStatus  string // regexp (anchored) of statuses counted as errors
	Latency      string // histogram buckets of request duration, in seconds
	PoolActive   string
	PoolMax      string
	PoolPending  string
	PoolLabel    string // label naming the pool
	Breaker      string // circuit-breaker state gauge
	BreakerLabel string // label naming the breaker
	StateLabel   string // label naming the state (value 1 = current)
}

// defaultMetricNames are Spring Boot's (Micrometer, HikariCP, Resilience4j).
var defaultMetricNames = metricNames{
	Requests:     "http_server_requests_seconds_count",
	StatusLabel:  "status",
	ErrorStatus:  "5..",
	Latency:      "http_server_requests_seconds_bucket",
	PoolActive:   "hikaricp_connections_active",
	PoolMax:      "hikaricp_connections_max",
	PoolPending:  "hikaricp_connections_pending",
	PoolLabel:    "pool",
	Breaker:      "resilience4j_circuitbreaker_state",
	BreakerLabel: "name",
	StateLabel:   "state",
}

// metricKeys maps the config keys under `metrics:` to the name they set.
var metricKeys = map[string]func(*metricNames) *string{
	"requests":        func(n *metricNames) *string { return &n.Requests },
	"status_label":    func(n *metricNames) *string { return &n.StatusLabel },
	"error_status":    func(n *metricNames) *string { return &n.ErrorStatus },
	"latency":         func(n *metricNames) *string { return &n.Latency },
	"pool_active":     func(n *metricNames) *string { return &n.PoolActive },
	"pool_max":        func(n *metricNames) *string { return &n.PoolMax },
	"pool_pending":    func(n *metricNames) *string { return &n.PoolPending },
	"pool_label":      func(n *metricNames) *string { return &n.PoolLabel },
	"circuit_breaker": func(n *metricNames) *string { return &n.Breaker },
	"breaker_label":   func(n *metricNames) *string { return &n.BreakerLabel },
	"state_label":     func(n *metricNames) *string { return &n.StateLabel },
}

// MetricsKeys lists the keys accepted under a metrics probe's `metrics:`.
func MetricsKeys() []string {
	keys := make([]string, 0, len(metricKeys))
	for k := range metricKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// counterSample is the part of a scrape kept for the next round's deltas.
type counterSample struct {
	at       time.Time
	requests []sample
	buckets  []sample
}

// Metrics is a metrics probe instance. It keeps the previous scrape's
// request and bucket counters to compute rates.
type Metrics struct {
	url    string
	names  metricNames
	errRe  *regexp.Regexp
	client *http.Client
	th     map[string]probes.Threshold
	now    func() time.Time
	prev   *counterSample
}

var (
	_ probes.Probe  = (*Metrics)(nil)
	_ probes.Closer = (*Metrics)(nil)
)

// NewMetrics builds a metrics probe from its spec.
func NewMetrics(s probes.Spec) (*Metrics, error) {
	if s.URL == "" {
		return nil, fmt.Errorf("metrics: url is required")
	}
	names := defaultMetricNames
	for k, v := range s.Metrics {
		set, ok := metricKeys[k]
		if !ok {
			return nil, fmt.Errorf("metrics: unknown key %q under metrics (want one of %s)", k, strings.Join(MetricsKeys(), ", "))
		}
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("metrics: metrics.%s is empty", k)
		}
		*set(&names) = v
	}
	re, err := regexp.Compile("^(?:" + names.ErrorStatus + ")$")
	if err != nil {
		return nil, fmt.Errorf("metrics: metrics.error_status: %w", err)
	}
	client, err := newHTTPClient(s.CAFile, s.ServerName)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return &Metrics{
		url: s.URL, names: names, errRe: re, client: client, now: time.Now,
		th: map[string]probes.Threshold{
			"error_rate":      s.Threshold("error_rate", ErrorRateThreshold),
			"latency":         s.Threshold("latency", LatencyThreshold),
			"pool":            s.Threshold("pool", PoolThreshold),
			"circuit_breaker": s.Threshold("circuit_breaker", BreakerThreshold),
		},
	}, nil
}

// Checks lists error_rate, latency, pool and circuit_breaker.
func (m *Metrics) Checks() []probes.Check { return metricsChecks }

// Close drops idle scrape connections.
func (m *Metrics) Close() error {
	m.client.CloseIdleConnections()
	return nil
}

// Run scrapes once and grades the four checks; rates compare with the
// previous successful scrape.
func (m *Metrics) Run(ctx context.Context) []probes.Result {
	exp, err := m.scrape(ctx)
	if err != nil {
		out := make([]probes.Result, 0, len(metricsChecks))
		for _, c := range metricsChecks {
			out = append(out, unknownResult(c.Name, "scrape failed: "+err.Error(), err))
		}
		return out
	}
	cur := &counterSample{at: m.now(), requests: exp[m.names.Requests], buckets: exp[m.names.Latency]}
	out := []probes.Result{
		errorRate(m.names, m.errRe, m.th["error_rate"], cur, m.prev),
		latency(m.names, m.th["latency"], cur, m.prev),
		poolUse(m.names, m.th["pool"], exp),
		breakers(m.names, m.th["circuit_breaker"], exp),
	}
	m.prev = cur
	return noteAbsent(out)
}

func (m *Metrics) scrape(ctx context.Context) (exposition, error) {
	body, hdr, err := fetch(ctx, m.client, m.url, acceptHeader, maxScrapeBytes)
	if err != nil {
		return nil, err
	}
	return parseExposition(bytes.NewReader(body), expfmt.ResponseFormat(hdr))
}
