package config

import (
	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultSource is Config.Source of the built-in default.
const DefaultSource = "built-in default"

// localService is a standard local port the built-in default looks for.
type localService struct {
	component string
	port      int
}

// standardServices are looked for on 127.0.0.1 by the built-in default.
var standardServices = []localService{
	{"mysql", 3306},
	{"redis", 6379},
	{"http", 80},
	{"https", 443},
	{"http-alt", 8080},
}

// detectTimeout bounds each connect attempt of the default's port scan.
const detectTimeout = 300 * time.Millisecond

type dialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// defaultEnv is what the built-in default depends on, injectable by tests.
type defaultEnv struct {
	hostname string
	getenv   func(string) string
	services []localService
	dial     dialFunc
	kinds    Kinds
}

// Default is the built-in config used when no file is found (docs/config.md): the
// estate is the hostname; a component "localhost" with a host probe; a tcp
// probe per standard local port that accepts a connection on 127.0.0.1
// within 300 ms (MySQL 3306, Redis 6379, HTTP 80, HTTPS 443, 8080); a mysql
// probe when TRIAGE_MYSQL_DSN is set and a redis probe when
// TRIAGE_REDIS_ADDR is set (password from TRIAGE_REDIS_PASSWORD). Kinds not
// registered in ks are left out. No component is core, so a healthy machine
// is never red. It passes the same validation as a file.
func Default(ctx context.Context, ks Kinds) *Config {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return defaultConfig(ctx, defaultEnv{
		hostname: host,
		getenv:   os.Getenv,
		services: standardServices,
		dial:     (&net.Dialer{}).DialContext,
		kinds:    ks,
	})
}

// detectLocal returns the services whose 127.0.0.1 port accepts a TCP
// connection within detectTimeout, tried concurrently, in the given order.
func detectLocal(ctx context.Context, services []localService, dial dialFunc) []localService {
	open := make([]bool, len(services))
	var wg sync.WaitGroup
	for i, s := range services {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, detectTimeout)
			defer cancel()
			conn, err := dial(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
			if err == nil {
				open[i] = true
				_ = conn.Close()
			}
		})
	}
	wg.Wait()
	var out []localService
	for i, s := range services {
		if open[i] {
			out = append(out, s)
		}
	}
	return out
}

// The default is written as YAML and read back by Parse, so it goes through
// exactly the validation a file does.
type defaultProbe struct {
	Kind        string `yaml:"kind"`
	Address     string `yaml:"address,omitempty"`
	DSNEnv      string `yaml:"dsn_env,omitempty"`
	PasswordEnv string `yaml:"password_env,omitempty"`
}

type defaultComponent struct {
	Name   string         `yaml:"name"`
	Probes []defaultProbe `yaml:"probes"`
}

type defaultFile struct {
	Estate     string             `yaml:"estate"`
	Components []defaultComponent `yaml:"components"`
}

func defaultConfig(ctx context.Context, env defaultEnv) *Config {
	f := defaultFile{Estate: env.hostname}
	add := func(component string, p defaultProbe) {
		if _, ok := orNone(env.kinds).Lookup(p.Kind); !ok {
			return
		}
		for i := range f.Components {
			if f.Components[i].Name == component {
				f.Components[i].Probes = append(f.Components[i].Probes, p)
				return
			}
		}
		f.Components = append(f.Components, defaultComponent{Name: component, Probes: []defaultProbe{p}})
	}
	f.Components = append(f.Components, defaultComponent{Name: "localhost", Probes: []defaultProbe{}})
	add("localhost", defaultProbe{Kind: "host"})
	for _, s := range detectLocal(ctx, env.services, env.dial) {
		add(s.component, defaultProbe{Kind: "tcp", Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))})
	}
	if env.getenv("TRIAGE_MYSQL_DSN") != "" {
		add("mysql", defaultProbe{Kind: "mysql", DSNEnv: "TRIAGE_MYSQL_DSN"})
	}
	if addr := env.getenv("TRIAGE_REDIS_ADDR"); addr != "" {
		p := defaultProbe{Kind: "redis", Address: addr}
		if env.getenv("TRIAGE_REDIS_PASSWORD") != "" {
			p.PasswordEnv = "TRIAGE_REDIS_PASSWORD"
		}
		add("redis", p)
	}

	cfg, err := parseDefault(f, env.kinds)
	if err != nil {
		// Only a kind whose keys changed under us gets here: keep the
		// screen up with what is known and say why it is empty.
		cfg = &Config{Estate: env.hostname, Warnings: []string{err.Error()}}
		fill(cfg)
	}
	cfg.Source = DefaultSource
	cfg.Default = true
	return cfg
}

func parseDefault(f defaultFile, ks Kinds) (*Config, error) {
	data, err := yaml.Marshal(f)
	if err != nil {
		return nil, err
	}
	return Parse(data, DefaultSource, ks)
}
