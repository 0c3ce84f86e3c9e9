package host

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// startPrometheus starts Prometheus on a free loopback port, scraping the
// node exporter at neURL every second, and returns its base URL and a
// function that stops it.
func startPrometheus(t *testing.T, neURL string) (string, func()) {
	t.Helper()
	bin := lookBinary(t, "TRIAGE_TEST_PROMETHEUS_BIN", "/usr/bin/prometheus")
	dir := t.TempDir()
	u, err := url.Parse(neURL)
	require.NoError(t, err)
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: [%q]
`, u.Host)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600))
	addr := freeLoopbackAddr(t)
	stop, out := startProcess(t, dir, bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	base := "http://" + addr
	waitHTTP(t, base+"/-/ready", 20*time.Second, out)
	return base, stop
}

// TestPrometheusIntegration runs the fleet and rules against a real
// Prometheus scraping a real node exporter, both started on loopback.
func TestPrometheusIntegration(t *testing.T) {
	neURL := startNodeExporter(t, "--collector.tcpstat")
	promURL, stopProm := startPrometheus(t, neURL)
	instance := strings.TrimSuffix(strings.TrimPrefix(neURL, "http://"), "/metrics")

	p := newProm(t, probes.Spec{
		URL:      promURL,
		Selector: `{job="node"}`,
		Rules: []probes.Rule{
			{Name: "node_targets_up", Query: `sum(up{job="node"})`, Layer: "network", Crit: probes.V(1), Below: true},
			{Name: "broken", Query: `sum(up{job="node"`},
		},
	})
	require.Equal(t, []string{CheckInstances, "node_targets_up", "broken"}, checkNames(p.Checks()))

	// Wait (bounded) until the target is up and irate has two scrapes.
	var got map[string]map[string]probes.Result
	deadline := time.Now().Add(20 * time.Second)
	for {
		got = split(runWithin(p, 3*time.Second))
		if cpu, ok := got[instance][CheckCPU]; ok && cpu.Status != probes.Unknown {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s has no CPU rate after 20 s: %+v", instance, got[""][CheckInstances])
		}
		time.Sleep(500 * time.Millisecond)
	}
	got = split(runWithin(p, 3*time.Second)) // one more round: the OOM delta
	own := got[""]
	assert.Equal(t, probes.OK, own[CheckInstances].Status, own[CheckInstances].Summary)
	assert.Equal(t, `1 instances match {job="node"}`, own[CheckInstances].Summary)
	assert.Equal(t, probes.OK, own["node_targets_up"].Status, own["node_targets_up"].Summary)
	assert.Equal(t, probes.Network, own["node_targets_up"].Layer)
	assert.InDelta(t, 1, *own["node_targets_up"].Value, 0)
	assert.Equal(t, probes.Unknown, own["broken"].Status)
	assert.Contains(t, own["broken"].Summary, "query failed (bad_data)")

	inst := got[instance]
	require.Len(t, inst, len(HostChecks))
	for _, r := range inst {
		assert.NotEqual(t, probes.Unknown, r.Status, "%s: %s (%s)", r.Check, r.Summary, r.Err)
		assert.Equal(t, instance, r.Component)
		assert.Equal(t, probes.Server, r.Layer)
	}
	local := byCheck(runWithin(NewHost(probes.Spec{}), 3*time.Second))
	assert.Equal(t, local[CheckMemory].Evidence["total_bytes"], inst[CheckMemory].Evidence["total_bytes"])
	assert.Equal(t, local[CheckLoad].Evidence["cores"], inst[CheckLoad].Evidence["cores"])
	assert.Equal(t, "node_tcp_connection_states", inst[CheckSockets].Evidence["source"])

	// Prometheus stops: everything it reported turns unknown, nothing hangs.
	stopProm()
	const stopped = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), stopped)
	defer cancel()
	start := time.Now()
	got = split(p.Run(ctx))
	grace.Within(t, time.Since(start), stopped, "a stopped Prometheus")
	assert.Contains(t, got[""][CheckInstances].Summary, "prometheus unreachable: connection refused")
	assert.Contains(t, got[""]["node_targets_up"].Summary, "prometheus unreachable")
	for _, r := range got[instance] {
		assert.Equal(t, probes.Unknown, r.Status)
	}
}
