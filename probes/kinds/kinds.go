// Package kinds is the one registry of probe kinds: kind name → Kind. Config
// validation and the scheduler's wiring both ask it; there is no second list.
package kinds

import (
	"sort"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/alerting"
	"github.com/fivelayer/triage/probes/app"
	"github.com/fivelayer/triage/probes/host"
	"github.com/fivelayer/triage/probes/mysql"
	"github.com/fivelayer/triage/probes/network"
	"github.com/fivelayer/triage/probes/redis"
	"github.com/fivelayer/triage/probes/tlscert"
)

// registry is filled explicitly, one line per kind, never by init() side effects.
var registry = map[string]probes.Kind{
	"metrics":   app.MetricsKind,
	"nginx":     app.NginxKind,
	"systemd":   app.SystemdKind,
	"tcp":       network.TCPKind,
	"icmp":      network.ICMPKind,
	"dns":       network.DNSKind,
	"http":      network.HTTPKind,
	"tls":       tlscert.TLSKind,
	"cert_file": tlscert.CertFileKind,

	"host":          host.HostKind,
	"node_exporter": host.NodeExporterKind,
	"prometheus":    host.PrometheusKind,
	"mysql":         mysql.MySQLKind,
	"redis":         redis.RedisKind,
	"alertmanager":  alerting.AlertmanagerKind,
}

// Lookup returns the kind registered under name.
func Lookup(name string) (probes.Kind, bool) {
	k, ok := registry[name]
	return k, ok
}

// Names lists the registered kinds, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
