package config

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listen opens a loopback listener that accepts and drops connections.
func listen(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

func TestDetectLocalRealSockets(t *testing.T) {
	open, closed := listen(t), closedPort(t)
	services := []localService{{"shut", closed}, {"up", open}}
	got := detectLocal(t.Context(), services, (&net.Dialer{}).DialContext)
	assert.Equal(t, []localService{{"up", open}}, got)
}

func TestDetectLocalBoundsEachDial(t *testing.T) {
	// Ports that never complete the handshake: each dial waits for its context.
	// Concurrency is shown by order, not by time: every dial waits until all
	// have started, which only dials run concurrently reach.
	var started sync.WaitGroup
	started.Add(len(standardServices))
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	silent := func(ctx context.Context, _, _ string) (net.Conn, error) {
		started.Done()
		select {
		case <-all:
		case <-time.After(10 * time.Second):
			t.Error("a dial waited for the others to start: the dials run one after another")
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	start := time.Now()
	got := detectLocal(t.Context(), standardServices, silent)
	assert.Empty(t, got)
	grace.Within(t, time.Since(start), detectTimeout, "concurrent dials, each bounded by detectTimeout")
}

// fakeDial answers on the given loopback ports and refuses the rest.
func fakeDial(open ...int) dialFunc {
	return func(_ context.Context, _, addr string) (net.Conn, error) {
		_, p, _ := net.SplitHostPort(addr)
		for _, o := range open {
			if p == strconv.Itoa(o) {
				a, b := net.Pipe()
				_ = b.Close()
				return a, nil
			}
		}
		return nil, syscall.ECONNREFUSED
	}
}

type probeDesc struct{ component, id, kind, address, dsnEnv, passwordEnv string }

func describeProbes(cfg *Config) []probeDesc {
	var out []probeDesc
	for _, c := range cfg.Components {
		for _, s := range c.Probes {
			out = append(out, probeDesc{c.Name, s.ID, s.Kind, s.Address, s.DSNEnv, s.PasswordEnv})
		}
	}
	return out
}

func TestDefaultConfig(t *testing.T) {
	tests := []struct {
		name  string
		kinds []string // registered; nil means the documented set
		open  []int
		env   map[string]string
		want  []probeDesc
	}{
		{
			name: "quiet machine",
			want: []probeDesc{{component: "localhost", id: "host", kind: "host"}},
		},
		{
			name: "every standard port answers",
			open: []int{3306, 6379, 80, 443, 8080},
			want: []probeDesc{
				{component: "localhost", id: "host", kind: "host"},
				{component: "mysql", id: "tcp", kind: "tcp", address: "127.0.0.1:3306"},
				{component: "redis", id: "tcp", kind: "tcp", address: "127.0.0.1:6379"},
				{component: "http", id: "tcp", kind: "tcp", address: "127.0.0.1:80"},
				{component: "https", id: "tcp", kind: "tcp", address: "127.0.0.1:443"},
				{component: "http-alt", id: "tcp", kind: "tcp", address: "127.0.0.1:8080"},
			},
		},
		{
			name: "database and cache from the environment",
			open: []int{3306},
			env:  map[string]string{"TRIAGE_MYSQL_DSN": "root:pw@tcp(127.0.0.1:3306)/", "TRIAGE_REDIS_ADDR": "10.0.0.5:6379", "TRIAGE_REDIS_PASSWORD": "pw"},
			want: []probeDesc{
				{component: "localhost", id: "host", kind: "host"},
				{component: "mysql", id: "tcp", kind: "tcp", address: "127.0.0.1:3306"},
				{component: "mysql", id: "mysql", kind: "mysql", dsnEnv: "TRIAGE_MYSQL_DSN"},
				{component: "redis", id: "redis", kind: "redis", address: "10.0.0.5:6379", passwordEnv: "TRIAGE_REDIS_PASSWORD"},
			},
		},
		{
			name: "redis without a password",
			env:  map[string]string{"TRIAGE_REDIS_ADDR": "127.0.0.1:6379"},
			want: []probeDesc{
				{component: "localhost", id: "host", kind: "host"},
				{component: "redis", id: "redis", kind: "redis", address: "127.0.0.1:6379"},
			},
		},
		{
			name:  "kinds not registered are left out",
			kinds: []string{"host"},
			open:  []int{3306, 6379},
			env:   map[string]string{"TRIAGE_MYSQL_DSN": "x", "TRIAGE_REDIS_ADDR": "127.0.0.1:6379"},
			want:  []probeDesc{{component: "localhost", id: "host", kind: "host"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks := specKinds()
			if tt.kinds != nil {
				only := fakeKinds{}
				for _, k := range tt.kinds {
					only[k] = ks[k]
				}
				ks = only
			}
			cfg := defaultConfig(t.Context(), defaultEnv{kinds: ks,
				hostname: "box-1",
				getenv:   func(k string) string { return tt.env[k] },
				services: standardServices,
				dial:     fakeDial(tt.open...),
			})
			assert.Equal(t, DefaultSource, cfg.Source)
			assert.True(t, cfg.Default)
			assert.Equal(t, "box-1", cfg.Estate)
			assert.Empty(t, cfg.Core, "nothing is core: a healthy machine is never red")
			assert.Empty(t, cfg.Warnings)
			assert.Equal(t, tt.want, describeProbes(cfg))
			for _, c := range cfg.Components {
				for _, s := range c.Probes {
					assert.Equal(t, c.Name, s.Component)
					assert.Equal(t, 3*time.Second, s.EffectiveTimeout())
				}
			}
		})
	}
}

func TestDefaultConfigWithoutKinds(t *testing.T) {
	cfg := defaultConfig(t.Context(), defaultEnv{hostname: "h", getenv: func(string) string { return "" }, dial: fakeDial()})
	require.Len(t, cfg.Components, 1)
	assert.Equal(t, "localhost", cfg.Components[0].Name)
	assert.Empty(t, cfg.Components[0].Probes)
	assert.Equal(t, []string{`4:7: component "localhost" has no probes`}, cfg.Warnings)
}

func TestDefaultOnThisMachine(t *testing.T) {
	ks := specKinds()
	t.Setenv("TRIAGE_MYSQL_DSN", "")
	t.Setenv("TRIAGE_REDIS_ADDR", "")
	cfg := Default(t.Context(), ks)
	host, err := os.Hostname()
	require.NoError(t, err)
	assert.Equal(t, host, cfg.Estate)
	assert.True(t, cfg.Default)
	_, ok := cfg.Component("localhost")
	assert.True(t, ok)

	// Whatever answers on 127.0.0.1 here (MariaDB and Redis, see docs/testing.md)
	// is in the default; whatever refuses is not.
	for _, s := range standardServices {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), time.Second)
		up := err == nil
		if up {
			_ = conn.Close()
		} else if !errors.Is(err, syscall.ECONNREFUSED) {
			continue // neither clearly up nor down
		}
		_, present := cfg.Component(s.component)
		assert.Equal(t, up, present, "%s on port %d", s.component, s.port)
	}
}
