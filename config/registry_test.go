package config

import (
	"maps"
	"slices"

	"github.com/fivelayer/triage/probes"
)

func fakeKind(name string, required [][]string, allowed []string, checks ...string) probes.Kind {
	k := probes.Kind{Name: name, Doc: "fake " + name, Required: required, Allowed: allowed}
	for _, c := range checks {
		k.Checks = append(k.Checks, probes.Check{Name: c, Below: c == "certificate"})
	}
	return k
}

var hostChecks = []string{"cpu", "memory", "swap", "load", "disk", "inodes", "iops", "fds", "sockets", "oom"}

// fakeKinds is a registry for tests: kind name → Kind.
type fakeKinds map[string]probes.Kind

func (ks fakeKinds) Lookup(name string) (probes.Kind, bool) {
	k, ok := ks[name]
	return k, ok
}

func (ks fakeKinds) Names() []string { return slices.Sorted(maps.Keys(ks)) }

var _ Kinds = fakeKinds(nil)

// specKinds is a registry built from the docs/config.md table: each kind with the
// keys and checks the table lists for it.
func specKinds() fakeKinds {
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
	out := fakeKinds{}
	for _, k := range ks {
		out[k.Name] = k
	}
	return out
}
