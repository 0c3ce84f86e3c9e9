package training

import (
	"errors"
	"fmt"
	"time"

	"github.com/fivelayer/triage/probes"
)

// Fault is one injectable fault of the training estate and whether it is on.
type Fault struct {
	Key         string // stable id: "503-storm"
	Name        string // what the screen shows: "503 storm"
	Description string // what it does, which layer and check show it, and the runbook's case it teaches
	Layer       probes.Layer
	Active      bool
}

// ErrUnknownFault is returned by Toggle for a key no fault has.
var ErrUnknownFault = errors.New("unknown fault")

// faultDef is a fault and how to switch it on the running servers.
type faultDef struct {
	Fault
	set func(e *Estate, on bool) error
}

// faultDefs are the lab's faults in the order the panel lists them.
var faultDefs = []faultDef{
	{Fault{Key: "503-storm", Name: "503 storm", Layer: probes.Application,
		Description: "invoice-api answers every request with 503 and counts them as 5xx. Shows as http/status crit " +
			"and metrics/error_rate crit on a core component: red. Teaches the seed's \"HTTP 503 is critical\" and the red plan."},
		func(e *Estate, on bool) error { e.app.faults.storm.Store(on); return nil }},
	{Fault{Key: "pool-exhausted", Name: "pool exhausted", Layer: probes.Application,
		Description: "HikariCP has every connection busy (active = max) with threads waiting; requests fail after 250 ms " +
			"and actuator health reports db DOWN. Shows as metrics/pool crit, error_rate crit, http/status crit. " +
			"Teaches the seed's database-health branch: look for the lock or long transaction holding connections."},
		func(e *Estate, on bool) error { e.app.faults.pool.Store(on); return nil }},
	{Fault{Key: "breaker-open", Name: "breaker open", Layer: probes.Application,
		Description: "the taxService circuit breaker is open; invoices are accepted with tax pending, so health stays UP. " +
			"Shows only as metrics/circuit_breaker crit. Teaches reading the application layer's metrics, not just its health."},
		func(e *Estate, on bool) error { e.app.faults.breaker.Store(on); return nil }},
	{Fault{Key: "slow-app", Name: "slow app", Layer: probes.Application,
		Description: "every request waits 2 s on a slow downstream call (outside its database transaction), the health check too; " +
			"the latency histogram's buckets shift. Shows as metrics/latency warn and http/reachability warn: yellow. " +
			"Teaches the seed's yellow grade: degraded, not down."},
		func(e *Estate, on bool) error { e.app.faults.slow.Store(on); return nil }},
	{Fault{Key: "port-closed", Name: "port closed", Layer: probes.Network,
		Description: "invoice-api's listener stops (its connections drop): a connect is refused. Shows as tcp/connect crit, " +
			"http/status 502 from nginx, nginx/upstream_errors \"connect() failed\" and a failed scrape. " +
			"Teaches the seed's network check first, then \"restart the service instance\"."},
		func(e *Estate, _ bool) error { return e.applyPort() }},
	{Fault{Key: "silent-port", Name: "silent port", Layer: probes.Network,
		Description: "invoice-api's port drops every SYN, as a firewall rule does: a connect times out instead of being refused. " +
			"Shows as tcp/connect crit (timeouts), http/status 504 and nginx \"upstream timed out\". " +
			"Teaches the seed's network layer: a firewall or security group, not the application."},
		func(e *Estate, _ bool) error { return e.applyPort() }},
	{Fault{Key: "dns-servfail", Name: "DNS SERVFAIL", Layer: probes.Network,
		Description: "the lab resolver answers SERVFAIL for " + labName + ". Shows as dns/resolve crit on lab-dns: orange. " +
			"Teaches the seed's network layer: name resolution before anything else."},
		func(e *Estate, on bool) error { e.dns.servfail.Store(on); return nil }},
	{Fault{Key: "cert-expiring", Name: "certificate expiring", Layer: probes.Security,
		Description: "nginx's TLS port presents a certificate with 3 days left. Shows as tls/certificate crit (< 7 days) on nginx. " +
			"Teaches the seed's security layer and its latent-risk checks: renew before it becomes an outage."},
		func(e *Estate, on bool) error { return e.setExpiring(on) }},
}

// Faults lists every fault with its current state, in panel order.
func (e *Estate) Faults() []Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Fault, len(faultDefs))
	for i, d := range faultDefs {
		out[i] = d.Fault
		out[i].Active = e.active[d.Key]
	}
	return out
}

// Toggle switches the fault key on or off on the running servers.
func (e *Estate) Toggle(key string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errClosed
	}
	for _, d := range faultDefs {
		if d.Key != key {
			continue
		}
		on := !e.active[key]
		e.active[key] = on
		if err := d.set(e, on); err != nil {
			e.active[key] = !on
			_ = d.set(e, !on)
			return fmt.Errorf("fault %s: %w", d.Name, err)
		}
		return nil
	}
	return fmt.Errorf("%w %q", ErrUnknownFault, key)
}

// applyPort puts the application's port in the mode the active faults ask
// for: silent beats closed beats up. Called with e.mu held.
func (e *Estate) applyPort() error {
	switch {
	case e.active["silent-port"]:
		return e.port.set(portSilent)
	case e.active["port-closed"]:
		return e.port.set(portClosed)
	}
	return e.port.set(portUp)
}

// setExpiring swaps the TLS port's certificate. Called with e.mu held.
func (e *Estate) setExpiring(on bool) error {
	if !on {
		e.front.setCert(e.good)
		return nil
	}
	now := time.Now()
	c, err := e.ca.Issue(now.Add(-87*24*time.Hour), now.Add(3*24*time.Hour+time.Hour), labName, "127.0.0.1")
	if err != nil {
		return err
	}
	e.front.setCert(c)
	return nil
}
