package training

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ConfigPath is the estate's config written as a file, for
// `triage check --config` and `triage act --config`.
func (e *Estate) ConfigPath() string { return filepath.Join(e.dir, "triage-lab.yaml") }

// ControlPath is the control socket of the running lab.
func (e *Estate) ControlPath() string { return filepath.Join(e.dir, "control.sock") }

// ExporterURL is invoice-api's instance metrics in node_exporter format.
func (e *Estate) ExporterURL() string { return "http://" + e.exp.Addr + "/metrics" }

// RedisAddr is the lab's Redis, "" without one.
func (e *Estate) RedisAddr() string {
	if e.data.cacheErr != nil {
		return ""
	}
	return e.data.redis.Addr
}

// DBAddr is the pair member's address, "" without a database layer.
func (e *Estate) DBAddr(name string) string {
	if s := e.data.server(name); s != nil {
		return s.Addr()
	}
	return ""
}

// Primary is the pair member invoice-api writes to now.
func (e *Estate) Primary() string {
	name, _ := e.data.current()
	return name
}

// Status says what the lab runs and which of its layers is unavailable, and why.
func (e *Estate) Status() []string {
	out := []string{
		"invoice-api " + e.port.Addr + " (instance metrics " + e.ExporterURL() + ")",
		"nginx " + e.FrontURL() + " and TLS " + e.front.TLSAddr,
		"lab-dns " + e.dns.Addr + " (udp) for " + labName,
	}
	return append(out, e.data.status()...)
}

// dsnPath is the file holding a pair member's DSN (dsn_file: a literal dsn
// in a config is warned about).
func (e *Estate) dsnPath(name string) string { return filepath.Join(e.dir, name+".dsn") }

// writeDSNs writes each pair member's root DSN, mode 0600.
func (e *Estate) writeDSNs() error {
	for _, name := range []string{dbPrimary, dbReplica} {
		if s := e.data.server(name); s != nil {
			if err := os.WriteFile(e.dsnPath(name), []byte(s.RootDSN()+"\n"), 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

// labArgv is the command reaching this lab's control channel with op and name.
func (e *Estate) labArgv(op, name string) string {
	argv := append(append([]string{}, e.opts.Exe...), op, "--control", e.ControlPath(), name)
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = fmt.Sprintf("%q", a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// configYAML is the estate as a triage.yaml. The http probe asks through
// nginx, as a user would; tcp and metrics go to the application directly;
// the server layer is invoice-api's instance (ExporterURL), not this
// machine. Lock waits warn from 1 s, not from the first: every list and
// create request updates a hot counter row, so two requests at once wait on
// each other for milliseconds, as on any invoicing database; only a wait
// that lasts is the incident.
func (e *Estate) configYAML() string {
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	db, cache := e.data.dbErr == nil, e.data.cacheErr == nil
	core := "core: [nginx, invoice-api]"
	var deps []string
	if db {
		core = "core: [nginx, invoice-api, db-primary]"
		deps = append(deps, dbPrimary)
	}
	if cache {
		deps = append(deps, cacheName)
	}
	lines := []string{
		"estate: triage-lab",
		"environment: lab",
		"interval: 2s",
		"timeout: 3s",
		core,
		"components:",
		"  - name: invoice-api",
		"    probes:",
		"      - {kind: tcp, address: " + q(e.port.Addr) + "}",
		"      - kind: http",
		"        url: " + q(e.FrontURL()+"/actuator/health"),
		"        thresholds: {reachability: {warn: 1000, crit: 3000}}",
		"      - {kind: metrics, url: " + q("http://"+e.port.Addr+"/actuator/prometheus") + "}",
		"      - kind: node_exporter",
		"        url: " + q(e.ExporterURL()),
		"        checks: {disk: off, inodes: off, iops: off, sockets: off}",
		"    actions:",
		"      restart: {argv: " + e.labArgv("restart", appName) + ", timeout: 30s, cooldown: 10s}",
		"    knowledge:",
		"      depends_on: [" + strings.Join(deps, ", ") + "]",
		"      incidents:",
		`        - {date: 2023-08-20, event: "invoice submission failed: HikariCP pool exhausted by a month-end report holding connections", fix: "killed the blocking report session, moved reports to the replica"}`,
		`        - {date: 2024-03-02, event: "502s after a deploy: the new build listened on the wrong port", fix: "rolled back, added a tcp check on the service port"}`,
		"  - name: nginx",
		"    probes:",
		"      - {kind: nginx, path: " + q(e.ErrorLogPath()) + ", status_url: " + q(e.FrontURL()+"/nginx_status") + "}",
		"      - {kind: tls, address: " + q(e.front.TLSAddr) + ", server_name: " + labName + ", ca_file: " + q(e.CAPath()) + "}",
		"    knowledge:",
		"      depends_on: [lab-dns, invoice-api]",
		`      incidents: [{date: 2024-11-28, event: "certificate expired on a Saturday", fix: "renewed by hand; added expiry alerting at 30 days"}]`,
		"  - name: lab-dns",
		"    probes:",
		"      - {kind: dns, name: " + labName + ", resolvers: [" + q(e.dns.Addr) + "]}",
	}
	if db {
		lines = append(lines,
			"  - name: db-primary",
			"    probes:",
			"      - {kind: mysql, dsn_file: "+q(e.dsnPath(dbPrimary))+", thresholds: {lock_waits: {warn: 1, crit: 10}}}",
			"    actions:",
			"      kill_session: {}",
			"      restart: {argv: "+e.labArgv("restart", dbPrimary)+", timeout: 60s, cooldown: 10s}",
			"      switchover: {standby: db-replica, traffic_argv: "+e.labArgv("traffic", dbReplica)+", replication_user: "+replUser+"}",
			"    knowledge:",
			`      incidents: [{date: 2023-08-20, event: "primary database down", fix: "switched to standby, fixed binlog config"}]`,
			"  - name: db-replica",
			"    probes:",
			"      - {kind: mysql, dsn_file: "+q(e.dsnPath(dbReplica))+", thresholds: {lock_waits: {warn: 1, crit: 10}}}",
			"    actions:",
			"      kill_session: {}",
			"      restart: {argv: "+e.labArgv("restart", dbReplica)+", timeout: 60s, cooldown: 10s}",
			"    knowledge:",
			"      depends_on: [db-primary]",
		)
	}
	if cache {
		lines = append(lines,
			"  - name: cache",
			"    probes:",
			"      - {kind: redis, address: "+q(e.data.redis.Addr)+"}",
			"    knowledge:",
			`      incidents: [{date: 2024-06-11, event: "invoicing API answered 503: Redis connections over 500 from a client that leaked them", fix: "restarted the leaking service, capped its pool, alert at 500 clients"}]`,
		)
	}
	return strings.Join(lines, "\n") + "\n"
}
