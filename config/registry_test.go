package config

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/fivelayer/triage/probes"
)

// fakeProbe stands in for a real kind's probe.
type fakeProbe struct {
	spec   probes.Spec
	checks []probes.Check
}

func (p *fakeProbe) Checks() []probes.Check              { return p.checks }
func (p *fakeProbe) Run(context.Context) []probes.Result { return nil }

var _ probes.Probe = (*fakeProbe)(nil)

func fakeKind(name string, required [][]string, allowed []string, checks ...string) probes.Kind {
	k := probes.Kind{Name: name, Doc: "fake " + name, Required: required, Allowed: allowed}
	for _, c := range checks {
		k.Checks = append(k.Checks, probes.Check{Name: c})
	}
	k.New = func(s probes.Spec) (probes.Probe, error) {
		return &fakeProbe{spec: s, checks: k.Checks}, nil
	}
	return k
}

var hostChecks = []string{"cpu", "memory", "swap", "load", "disk", "inodes", "iops", "fds", "sockets", "oom"}

// specKinds is a registry built from the docs/config.md table: each kind with the
// keys and checks the table lists for it.
func specKinds() map[string]probes.Kind {
	ks := []probes.Kind{
		fakeKind("host", nil, nil, hostChecks...),
		fakeKind("node_exporter", [][]string{{"url"}}, []string{"url"}, hostChecks...),
		fakeKind("prometheus", [][]string{{"url"}}, []string{"url", "selector", "rules", "ca_file"}, hostChecks...),
		fakeKind("tcp", [][]string{{"address"}}, []string{"address", "count", "interval", "open", "closed", "udp"}, "connect"),
		fakeKind("icmp", [][]string{{"address"}}, []string{"address", "count", "interval"}, "ping"),
		fakeKind("dns", [][]string{{"name"}}, []string{"name", "resolvers"}, "resolve"),
		fakeKind("http", [][]string{{"url"}}, []string{"url", "expect_status", "server_name", "ca_file"}, "reachability", "status", "certificate"),
		fakeKind("metrics", [][]string{{"url"}}, []string{"url", "metrics"}, "error_rate", "latency", "pool", "circuit_breaker"),
		fakeKind("nginx", [][]string{{"path", "status_url"}}, []string{"path", "status_url"}, "upstream_errors", "connections"),
		fakeKind("systemd", [][]string{{"unit"}}, []string{"unit", "ssh"}, "unit"),
		fakeKind("mysql", [][]string{{"dsn_env", "dsn_file", "dsn"}}, []string{"dsn_env", "dsn_file", "dsn"},
			"connections", "lock_waits", "long_transactions", "history_length", "replication", "read_only", "fragmentation", "auth_failures"),
		fakeKind("redis", [][]string{{"address"}}, []string{"address", "password_env", "password_file", "username", "tls"},
			"clients", "memory", "evictions", "rejected", "replication"),
		fakeKind("tls", [][]string{{"address"}}, []string{"address", "server_name", "ca_file"}, "certificate"),
		fakeKind("cert_file", [][]string{{"path"}}, []string{"path"}, "certificate"),
	}
	out := map[string]probes.Kind{}
	for _, k := range ks {
		out[k.Name] = k
	}
	return out
}

// useKinds puts ks in place of the real registry for the test.
func useKinds(t *testing.T, ks map[string]probes.Kind) {
	t.Helper()
	oldLookup, oldNames := lookupKind, kindNames
	lookupKind = func(name string) (probes.Kind, bool) {
		k, ok := ks[name]
		return k, ok
	}
	kindNames = func() []string { return slices.Sorted(maps.Keys(ks)) }
	t.Cleanup(func() { lookupKind, kindNames = oldLookup, oldNames })
}

// brokenKind is a registered kind whose New always fails.
func brokenKind() probes.Kind {
	k := fakeKind("broken", nil, []string{"address"}, "x")
	k.New = func(probes.Spec) (probes.Probe, error) { return nil, errors.New("cannot build") }
	return k
}
