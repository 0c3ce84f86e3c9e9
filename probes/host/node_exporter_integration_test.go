package host

import (
	"os"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// TestNodeExporterIntegration scrapes a real node exporter on this machine
// (started here, or TRIAGE_TEST_NODE_EXPORTER_URL) and checks its numbers
// against the local host probe: same machine, same kernel counters.
//
// The exporter started here runs with the test in a network namespace of
// their own, so its tcpstat counts exactly the test's CLOSE_WAIT pile; an
// external one (TRIAGE_TEST_NODE_EXPORTER_URL) sees the whole host, where
// only "at least the pile" holds.
func TestNodeExporterIntegration(t *testing.T) {
	url := os.Getenv("TRIAGE_TEST_NODE_EXPORTER_URL")
	own := url == ""
	if own {
		if !testenv.InNetNS(t) {
			return
		}
		url = startNodeExporter(t, "--collector.tcpstat")
	}
	closeWaitPile(t, 5)
	p := newNE(t, probes.Spec{URL: url})
	first := byCheck(runWithin(p, 3*time.Second))
	require.Len(t, first, len(HostChecks))
	assert.Equal(t, probes.Unknown, first[CheckCPU].Status)
	time.Sleep(time.Second)
	remote := byCheck(runWithin(p, 3*time.Second))
	for _, r := range remote {
		assert.NotEqual(t, probes.Unknown, r.Status, "%s: %s (%s)", r.Check, r.Summary, r.Err)
		assert.Empty(t, r.Err, r.Check)
	}

	local := byCheck(runWithin(NewHost(probes.Spec{}), 3*time.Second))
	assert.Equal(t, local[CheckMemory].Evidence["total_bytes"], remote[CheckMemory].Evidence["total_bytes"], "MemTotal is MemTotal")
	assert.Equal(t, local[CheckSwap].Evidence["total_bytes"], remote[CheckSwap].Evidence["total_bytes"])
	assert.Equal(t, local[CheckLoad].Evidence["cores"], remote[CheckLoad].Evidence["cores"])
	assert.InDelta(t, *local[CheckDisk].Value, *remote[CheckDisk].Value, 1, "same root filesystem")
	assert.InDelta(t, *local[CheckFDs].Value, *remote[CheckFDs].Value, 1)

	socks := remote[CheckSockets]
	assert.Equal(t, true, socks.Evidence["complete"], "--collector.tcpstat gives every state")
	assert.Equal(t, "node_tcp_connection_states", socks.Evidence["source"])
	if own {
		assert.Equal(t, uint64(5), socks.Evidence["close_wait"], "the CLOSE_WAIT pile made by the test, nothing else")
	} else {
		assert.GreaterOrEqual(t, socks.Evidence["close_wait"], uint64(5), "the CLOSE_WAIT pile made by the test")
	}
	assert.Contains(t, remote[CheckCPU].Summary, "busy on")
	assert.Equal(t, "/", remote[CheckDisk].Evidence["worst_mountpoint"])
}

// TestNodeExporterIntegrationDefaultCollectors runs the exporter as Debian
// ships it: no tcpstat, so CLOSE_WAIT cannot be seen and the summary says so.
func TestNodeExporterIntegrationDefaultCollectors(t *testing.T) {
	url := startNodeExporter(t)
	r := byCheck(runWithin(newNE(t, probes.Spec{URL: url}), 3*time.Second))[CheckSockets]
	assert.Equal(t, probes.OK, r.Status, r.Summary)
	assert.Contains(t, r.Summary, "CLOSE_WAIT not exposed")
	assert.Equal(t, "node_sockstat", r.Evidence["source"])
	assert.Nil(t, r.Value)
}
