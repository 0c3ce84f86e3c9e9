package redis

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

// testAddr is the machine's Redis: TRIAGE_TEST_REDIS_ADDR or 127.0.0.1:6379.
func testAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("TRIAGE_TEST_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c := goredis.NewClient(&goredis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		testenv.SkipOrFail(t, "no Redis answers at TRIAGE_TEST_REDIS_ADDR or 127.0.0.1:6379: %v", err)
	}
	return addr
}

// startRedis runs a redis-server of the test's own on a free loopback port,
// in a temp dir, killed by pid in cleanup. It returns its address.
func startRedis(t *testing.T, args ...string) string {
	t.Helper()
	addr, _ := startRedisStop(t, "--port", args...)
	return addr
}

// startRedisStop is startRedis with the port flag ("--port", or "--tls-port"
// for a TLS-only server) and a stop function for tests that kill it early.
func startRedisStop(t *testing.T, portFlag string, args ...string) (string, func()) {
	t.Helper()
	return testenv.StartRedis(t, portFlag, args...)
}

// newProbe builds a probe; password (if any) goes through an env variable.
func newProbe(t *testing.T, spec probes.Spec, password string) *Probe {
	t.Helper()
	spec.Kind = "redis"
	if password != "" {
		spec.PasswordEnv = "TRIAGE_TEST_REDIS_PW_" + strconv.Itoa(os.Getpid())
		t.Setenv(spec.PasswordEnv, password)
	}
	p, err := RedisKind.New(spec)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.(probes.Closer).Close() })
	return p.(*Probe)
}

// rawClients opens n plain TCP connections that say PING once and then sit
// idle, like a leaking connection pool.
func rawClients(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	buf := make([]byte, 64)
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		require.NoError(t, err)
		conns = append(conns, c)
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = c.Write([]byte("PING\r\n"))
		require.NoError(t, err)
		_, _ = c.Read(buf) // +PONG, or -ERR max number of clients reached
	}
	return conns
}

// runOnce runs one round under timeout and returns results by check name.
func runOnce(t *testing.T, p *Probe, timeout time.Duration) map[string]probes.Result {
	t.Helper()
	return testenv.RunByCheck(t, p, timeout)
}
