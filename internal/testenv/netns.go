package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// netnsEnv names the test a re-run child is to run inside its own network
// namespace.
const netnsEnv = "TRIAGE_TEST_IN_NETNS"

// InNetNS runs the calling top-level test in a network namespace of its own,
// so that what it reads from the kernel's socket tables (sock_diag,
// /proc/net/tcp, a node exporter's tcpstat) is only what the test made, not
// the sockets of everything else on a shared machine.
//
// The first call re-runs the test binary, limited to this test, under
// `unshare --net`, reports the child's output and result, and returns false:
// the caller returns at once. In the child, which inherits the namespace's
// only interface, it brings loopback up and returns true: the caller goes on
// with the test body. The namespace has no process left when the child exits,
// so the kernel removes it. It needs root and unshare (util-linux) and skips,
// or fails under CI=true, without them.
func InNetNS(t *testing.T) bool {
	t.Helper()
	if strings.Contains(t.Name(), "/") {
		t.Fatalf("InNetNS re-runs a top-level test; %s is a subtest", t.Name())
	}
	if os.Getenv(netnsEnv) == t.Name() {
		if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
			t.Fatalf("loopback up in the test's network namespace: %v: %s", err, out)
		}
		return true
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil || os.Geteuid() != 0 {
		SkipOrFail(t, "a network namespace of the test's own needs root and unshare (util-linux): euid %d, %v", os.Geteuid(), err)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		SkipOrFail(t, "a network namespace of the test's own needs ip (iproute2): %v", err)
	}
	cmd := exec.Command(unshare, "--net", "--", os.Args[0],
		"-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), netnsEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("run in a network namespace of its own (unshare --net):\n%s", out)
	switch {
	case err != nil:
		t.Fatalf("the test failed in its network namespace: %v", err)
	case bytes.Contains(out, []byte("--- SKIP: "+t.Name()+" ")):
		t.Skip("skipped in its network namespace (reason above)")
	case !bytes.Contains(out, []byte("--- PASS: "+t.Name()+" ")):
		t.Fatalf("the test did not run in its network namespace (no PASS line for %s)", t.Name())
	}
	return false
}
