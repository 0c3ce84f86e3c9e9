package testenv

import (
	"os/exec"
	"testing"

	"github.com/fivelayer/triage/probes/lab/daemons"
)

// StartRedis runs a redis-server of the test's own on a free loopback port,
// in its own temp dir, stopped by pid when the test ends. portFlag is
// "--port", or "--tls-port" for a TLS-only server. It returns the address
// and a stop function for tests that kill it early. No redis-server
// installed is a skip (a failure under CI=true).
func StartRedis(t testing.TB, portFlag string, args ...string) (string, func()) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		SkipOrFail(t, "redis-server not installed: %v", err)
	}
	r, err := daemons.StartRedis(t.TempDir(), portFlag, args...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(r.Stop)
	return r.Addr, r.Stop
}
