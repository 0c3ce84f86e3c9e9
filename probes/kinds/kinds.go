// Package kinds is the top of the probe layers (docs/layers.md): the one
// registry of probe kinds, kind name → Kind, and the wiring that turns a
// parsed config into running probes. Config validation asks the registry
// through config.Kinds; config itself never links a kind, and neither do the
// guard, the recorder or the lab, which sit below this package.
package kinds

import (
	"sort"

	"github.com/fivelayer/triage/config"
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
var registry = Map{
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

// Registry is every kind triage knows, as config.Kinds: what config.Parse,
// Load, LoadAuto and Default validate against.
var Registry config.Kinds = registry

// Map is a registry: kind name → Kind. Tests build small ones.
type Map map[string]probes.Kind

var _ config.Kinds = Map(nil)

// Lookup returns the kind registered under name.
func (m Map) Lookup(name string) (probes.Kind, bool) {
	k, ok := m[name]
	return k, ok
}

// Names lists the registered kinds, sorted.
func (m Map) Names() []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the kind registered under name.
func Lookup(name string) (probes.Kind, bool) { return registry.Lookup(name) }

// Names lists the registered kinds, sorted.
func Names() []string { return registry.Names() }
