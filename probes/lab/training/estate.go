package training

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/tlscert/certtest"
)

// labName is the name the lab's DNS answers and its certificates carry.
const labName = "invoice.lab"

// ConfigSource is the Source of the lab's config.
const ConfigSource = "triage lab (embedded training estate)"

// Estate is the running training estate: an invoice application, an nginx
// front with a TLS port and an error log, a DNS server and synthetic users,
// all on 127.0.0.1 in this process. Nothing needs to be installed.
type Estate struct {
	dir     string
	quit    chan struct{}
	ca      *certtest.CA
	good    tls.Certificate
	app     *invoiceApp
	port    *appPort
	front   *front
	dns     *dnsServer
	traffic *traffic
	cfg     *config.Config

	mu     sync.Mutex
	active map[string]bool
	closed bool

	closeOnce sync.Once
}

// Start brings the estate up on free loopback ports; its config is
// validated against ks (kinds.Registry), which the lab takes from its
// caller rather than linking every kind itself. The synthetic users stop
// when ctx ends; Close stops everything else.
func Start(ctx context.Context, ks config.Kinds) (e *Estate, err error) {
	e = &Estate{quit: make(chan struct{}), active: map[string]bool{}}
	defer func() {
		if err != nil {
			e.Close()
			e = nil
		}
	}()
	if e.dir, err = os.MkdirTemp("", "triage-lab-"); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.ca, err = certtest.NewCA("triage lab CA"); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.good, err = e.ca.Valid(90*24*time.Hour, labName, "127.0.0.1"); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if _, err = e.ca.WriteFile(e.dir); err != nil {
		return e, fmt.Errorf("lab: write CA: %w", err)
	}
	e.app = newInvoiceApp(e.quit)
	if e.port, err = startAppPort(e.app); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.front, err = startFront("http://"+e.port.Addr, e.ErrorLogPath(), e.good); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.dns, err = startDNS(labName, net.IPv4(127, 0, 0, 1)); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.cfg, err = config.Parse([]byte(e.configYAML()), ConfigSource, ks); err != nil {
		return e, fmt.Errorf("lab: its own config: %w", err)
	}
	e.traffic = startTraffic(ctx, "http://"+e.front.Addr)
	// The first users arrive before the screen opens, so the app's request
	// counters exist (Micrometer registers a series at its first request)
	// and the first round does not read "metric not exposed".
	for range 5 {
		e.traffic.one(ctx, "http://"+e.front.Addr)
	}
	return e, nil
}

// Close stops the users, every server and removes the temporary files. It
// returns once every goroutine the estate started has ended.
func (e *Estate) Close() {
	e.closeOnce.Do(func() {
		e.mu.Lock() // waits for a Toggle in progress
		e.closed = true
		e.mu.Unlock()
		close(e.quit)
		if e.traffic != nil {
			e.traffic.stop()
		}
		if e.front != nil {
			e.front.close()
		}
		if e.port != nil {
			e.port.close()
		}
		if e.app != nil {
			e.app.close()
		}
		if e.dns != nil {
			e.dns.close()
		}
		if e.dir != "" {
			_ = os.RemoveAll(e.dir)
		}
	})
}

// Config is the estate's config, parsed and validated like any file.
func (e *Estate) Config() *config.Config { return e.cfg }

// AppAddr is invoice-api's address (its tcp probe's target).
func (e *Estate) AppAddr() string { return e.port.Addr }

// FrontURL is the nginx front's plain HTTP base URL.
func (e *Estate) FrontURL() string { return "http://" + e.front.Addr }

// TLSAddr is the nginx front's TLS address.
func (e *Estate) TLSAddr() string { return e.front.TLSAddr }

// DNSAddr is the lab resolver's UDP address.
func (e *Estate) DNSAddr() string { return e.dns.Addr }

// ErrorLogPath is the nginx front's error log.
func (e *Estate) ErrorLogPath() string { return filepath.Join(e.dir, "nginx-error.log") }

// CAPath is the PEM file of the CA that signs the lab's certificates.
func (e *Estate) CAPath() string { return filepath.Join(e.dir, "ca.pem") }

// configYAML is the estate as a triage.yaml. The http probe asks through
// nginx, as a user would; tcp and metrics go to the application directly.
func (e *Estate) configYAML() string {
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	lines := []string{
		"estate: triage-lab",
		"environment: lab",
		"interval: 2s",
		"timeout: 3s",
		"core: [nginx, invoice-api]",
		"components:",
		"  - name: invoice-api",
		"    probes:",
		"      - {kind: tcp, address: " + q(e.port.Addr) + "}",
		"      - kind: http",
		"        url: " + q(e.FrontURL()+"/actuator/health"),
		"        thresholds: {reachability: {warn: 1000, crit: 3000}}",
		"      - {kind: metrics, url: " + q("http://"+e.port.Addr+"/actuator/prometheus") + "}",
		"    knowledge:",
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
		"  - name: lab-host", // the machine triage runs on: an observer, nothing depends on it
		"    probes:",
		"      - {kind: host}",
	}
	return strings.Join(lines, "\n") + "\n"
}

// errClosed is returned by Toggle after Close.
var errClosed = errors.New("lab estate is closed")
