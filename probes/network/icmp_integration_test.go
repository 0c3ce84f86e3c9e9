package network

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

const pingHelperEnv = "TRIAGE_TEST_PING_HELPER"

// run runs argv and fails the test with its output when it fails.
func run(t *testing.T, argv ...string) {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	require.NoError(t, err, "%v: %s", argv, out)
}

// newLossyNetns creates a network namespace whose loopback drops one echo
// request in ten at random (nftables numgen; this kernel has no netem), and
// deletes it in Cleanup. Nothing outside the namespace is touched.
func newLossyNetns(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.SkipOrFail(t, "%s", "network namespaces and nftables need root")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.SkipOrFail(t, "%s", tool+" is not installed (apt-get install iproute2 nftables)")
		}
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ns := "triage-test-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		testenv.SkipOrFail(t, "%s", fmt.Sprintf("cannot create a network namespace: %v: %s", err, out))
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	in := []string{"ip", "netns", "exec", ns}
	run(t, append(in, "ip", "link", "set", "lo", "up")...)
	run(t, append(in, "nft", "add", "table", "inet", "t")...)
	run(t, append(in, "nft", "add", "chain", "inet", "t", "input", "{ type filter hook input priority 0; }")...)
	run(t, append(in, "nft", "add", "rule", "inet", "t", "input", "icmp", "type", "echo-request", "numgen", "random", "mod", "10", "0", "drop")...)
	return ns
}

// TestICMPPacketLossNetns measures real packet loss: 400 pings inside a
// namespace that drops ~10% of echo requests must show 3–20% loss and crit.
// 400 rather than 200 packets: with 200, about 1 run in 80 measures 5% or
// less (binomial, p = 0.1) and would not be crit.
func TestICMPPacketLossNetns(t *testing.T) {
	ns := newLossyNetns(t)
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command("ip", "netns", "exec", ns, exe, "-test.run=^TestHelperPingInNetns$", "-test.count=1")
	cmd.Env = append(os.Environ(), pingHelperEnv+"=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	i := bytes.Index(out, []byte("RESULT "))
	require.GreaterOrEqual(t, i, 0, "helper printed no result: %s", out)
	line, _, _ := bytes.Cut(out[i+len("RESULT "):], []byte("\n"))
	var r struct {
		Status   probes.Status  `json:"status"`
		Summary  string         `json:"summary"`
		Value    *float64       `json:"value"`
		Evidence map[string]any `json:"evidence"`
	}
	require.NoError(t, json.Unmarshal(line, &r), "%s", line)
	t.Logf("in %s: %s (evidence %v)", ns, r.Summary, r.Evidence)
	require.NotNil(t, r.Value, r.Summary)
	assert.GreaterOrEqual(t, *r.Value, 3.0)
	assert.LessOrEqual(t, *r.Value, 20.0)
	assert.Equal(t, probes.Crit, r.Status)
	assert.Contains(t, r.Summary, "> 5% crit")
}

// TestHelperPingInNetns is not a test of its own: TestICMPPacketLossNetns
// runs the test binary inside its namespace with this test selected.
func TestHelperPingInNetns(t *testing.T) {
	if os.Getenv(pingHelperEnv) != "1" {
		t.Skip("helper process for TestICMPPacketLossNetns")
	}
	p, err := NewICMP(probes.Spec{Address: "127.0.0.1", Count: 400, Interval: probes.Duration(5 * time.Millisecond)})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	rs := p.Run(ctx)
	require.Len(t, rs, 1)
	b, err := json.Marshal(rs[0])
	require.NoError(t, err)
	fmt.Printf("RESULT %s\n", b)
}
