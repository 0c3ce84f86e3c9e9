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
	// Cause is where the diagnosis finds the root cause while the fault is on.
	Cause Cause
	// Fix is the guarded action that clears it; a zero Fix means no action
	// of the guard does (the fault is cleared by hand: a config or code fix).
	Fix Fix
	// Needs is the part of the lab the fault breaks: "mariadb", "redis" or
	// "" (always there). Unavailable says why that part is missing now.
	Needs       string
	Unavailable string
	Active      bool
}

// Cause is the expected root cause: the component and the checks
// (probe/check, e.g. "mysql/lock_waits") any of which the diagnosis may name.
type Cause struct {
	Component string
	Checks    []string
}

// Fix is the right action and the component it is taken on.
type Fix struct {
	Action    Action
	Component string
}

// Action names a guarded action as probes/remedy does (remedy.ActionKind's
// values; the lab links no kind, so it does not import the guard).
type Action string

// The actions a fault's Fix may name.
const (
	KillSession Action = "kill-session"
	KillQuery   Action = "kill-query"
	Restart     Action = "restart"
	Switchover  Action = "switchover"
	Failover    Action = "failover"
)

// ErrUnknownFault is returned by Toggle for a key no fault has.
var ErrUnknownFault = errors.New("unknown fault")

// faultDef is a fault and how to switch it on the running servers. live,
// when set, reads whether the fault still holds (an action may have
// cleared it: a killed blocker, a restarted instance).
type faultDef struct {
	Fault
	set  func(e *Estate, on bool) error
	live func(e *Estate) bool
}

// faultDefs are the lab's faults in the order the panel lists them.
var faultDefs = []faultDef{
	{Fault{Key: "503-storm", Name: "503 storm", Layer: probes.Application,
		Cause: Cause{appName, []string{"http/status", "metrics/error_rate"}}, Fix: Fix{Restart, appName},
		Description: "invoice-api answers every request with 503 and counts them as 5xx. Shows as http/status crit " +
			"and metrics/error_rate crit on a core component: red. Teaches the seed's \"HTTP 503 is critical\" and the red plan."},
		func(e *Estate, on bool) error { e.app.faults.storm.Store(on); return nil }, nil},
	{Fault{Key: "pool-exhausted", Name: "pool exhausted", Layer: probes.Application,
		Cause: Cause{appName, []string{"metrics/pool", "http/status", "metrics/error_rate"}},
		Description: "HikariCP has every connection busy (active = max) with threads waiting; requests fail after 250 ms " +
			"and actuator health reports db DOWN. Shows as metrics/pool crit, error_rate crit, http/status crit. " +
			"Teaches the seed's database-health branch: look for the lock or long transaction holding connections."},
		func(e *Estate, on bool) error { e.app.faults.pool.Store(on); return nil }, nil},
	{Fault{Key: "breaker-open", Name: "breaker open", Layer: probes.Application,
		Cause: Cause{appName, []string{"metrics/circuit_breaker"}},
		Description: "the taxService circuit breaker is open; invoices are accepted with tax pending, so health stays UP. " +
			"Shows only as metrics/circuit_breaker crit. Teaches reading the application layer's metrics, not just its health."},
		func(e *Estate, on bool) error { e.app.faults.breaker.Store(on); return nil }, nil},
	{Fault{Key: "slow-app", Name: "slow app", Layer: probes.Application,
		Cause: Cause{appName, []string{"metrics/latency", "http/reachability"}},
		Description: "every request waits 2 s on a slow downstream call (outside its database transaction), the health check too; " +
			"the latency histogram's buckets shift. Shows as metrics/latency warn and http/reachability warn: yellow. " +
			"Teaches the seed's yellow grade: degraded, not down."},
		func(e *Estate, on bool) error { e.app.faults.slow.Store(on); return nil }, nil},
	{Fault{Key: "port-closed", Name: "port closed", Layer: probes.Network,
		Cause: Cause{appName, []string{"tcp/connect"}}, Fix: Fix{Restart, appName},
		Description: "invoice-api's listener stops (its connections drop): a connect is refused. Shows as tcp/connect crit, " +
			"http/status 502 from nginx, nginx/upstream_errors \"connect() failed\" and a failed scrape. " +
			"Teaches the seed's network check first, then \"restart the service instance\"."},
		func(e *Estate, _ bool) error { return e.applyPort() }, nil},
	{Fault{Key: "silent-port", Name: "silent port", Layer: probes.Network,
		Cause: Cause{appName, []string{"tcp/connect"}},
		Description: "invoice-api's port drops every SYN, as a firewall rule does: a connect times out instead of being refused. " +
			"Shows as tcp/connect crit (timeouts), http/status 504 and nginx \"upstream timed out\". " +
			"Teaches the seed's network layer: a firewall or security group, not the application."},
		func(e *Estate, _ bool) error { return e.applyPort() }, nil},
	{Fault{Key: "dns-servfail", Name: "DNS SERVFAIL", Layer: probes.Network,
		Cause: Cause{"lab-dns", []string{"dns/resolve"}},
		Description: "the lab resolver answers SERVFAIL for " + labName + ". Shows as dns/resolve crit on lab-dns: orange. " +
			"Teaches the seed's network layer: name resolution before anything else."},
		func(e *Estate, on bool) error { e.dns.servfail.Store(on); return nil }, nil},
	{Fault{Key: "cert-expiring", Name: "certificate expiring", Layer: probes.Security,
		Cause: Cause{"nginx", []string{"tls/certificate"}},
		Description: "nginx's TLS port presents a certificate with 3 days left. Shows as tls/certificate crit (< 7 days) on nginx. " +
			"Teaches the seed's security layer and its latent-risk checks: renew before it becomes an outage."},
		func(e *Estate, on bool) error { return e.setExpiring(on) }, nil},
	{Fault{Key: "lock-wait", Name: "row-lock wait", Layer: probes.Data, Needs: needsMariaDB,
		Cause: Cause{dbPrimary, []string{"mysql/lock_waits"}}, Fix: Fix{KillSession, dbPrimary},
		Description: "a month-end report session of the application locks the hot counter rows every list and create request updates " +
			"(UPDATE … then a long SELECT SLEEP in the same transaction) and never commits. Requests wait 3 s for the lock and fail " +
			"(500 CannotAcquireLockException), the pool fills. Shows as mysql/lock_waits with the blocking chain on the primary, " +
			"then error_rate and pool on invoice-api. Teaches the runbook's database branch: kill the blocking session (K; " +
			"KILL QUERY alone leaves the transaction and its locks)."},
		func(e *Estate, on bool) error { return e.setLockWait(on) }, func(e *Estate) bool { return e.blockerAlive() }},
	{Fault{Key: "deadlock-storm", Name: "deadlock storm", Layer: probes.Data, Needs: needsMariaDB,
		Cause: Cause{dbPrimary, []string{"mysql/deadlocks"}}, Fix: Fix{Restart, appName},
		Description: "invoice-api's batch job updates two invoices in opposite orders from two threads, again and again: " +
			"InnoDB rolls one back each time. Shows as mysql/deadlocks crit (> 6 a minute) on the primary. Teaches that " +
			"nothing is left to kill: stop the job (restart the instance it runs in) and fix the order."},
		func(e *Estate, on bool) error { return e.setDeadlockStorm(on) }, func(e *Estate) bool { return e.inst.running(jobDeadlock) }},
	{Fault{Key: "db-connection-flood", Name: "DB connection flood", Layer: probes.Data, Needs: needsMariaDB,
		Cause: Cause{dbPrimary, []string{"mysql/connections"}}, Fix: Fix{Restart, appName},
		Description: fmt.Sprintf("invoice-api's pool leaks: it opens connections to the primary and never returns them, "+
			"until max_connections (%d) is reached. New connections fail with Too many connections, so requests fail. "+
			"Shows as mysql/connections crit (> 90%%) with the holders by user and host. Teaches the runbook's > 90%% rule: "+
			"find the client that holds them and restart it; raising max_connections is only a stopgap.", labMaxConnections)},
		func(e *Estate, on bool) error { return e.setDBFlood(on) }, func(e *Estate) bool { n, _ := e.inst.leaks(); return n > 0 }},
	{Fault{Key: "redis-client-flood", Name: "Redis client flood", Layer: probes.Data, Needs: needsRedis,
		Cause: Cause{cacheName, []string{"redis/clients", "redis/rejected"}}, Fix: Fix{Restart, appName},
		Description: fmt.Sprintf("invoice-api leaks Redis connections past 500 until maxclients (%d): Redis turns new "+
			"clients away, the application's cache calls fail and it answers 503. The runbook's own case study. Shows as "+
			"redis/clients and redis/rejected crit on cache, http/status 503 on invoice-api. Teaches: the cache, not the "+
			"application, is where it breaks; restart the leaking client.", labMaxClients)},
		func(e *Estate, on bool) error { return e.setRedisFlood(on) }, func(e *Estate) bool { _, n := e.inst.leaks(); return n > 0 }},
	{Fault{Key: "replica-sql-stopped", Name: "replica SQL thread stopped", Layer: probes.Data, Needs: needsMariaDB,
		Cause: Cause{dbReplica, []string{"mysql/replication"}}, Fix: Fix{Restart, dbReplica},
		Description: "the replica's SQL thread is stopped (STOP SLAVE SQL_THREAD): it receives the binlog but applies nothing, " +
			"and its lag grows. Shows as mysql/replication crit on the replica; users see nothing yet. Teaches: the standby " +
			"is not ready for a switchover; restart the replica (or START SLAVE) before relying on it."},
		func(e *Estate, on bool) error { return e.setSQLThread(on) }, nil},
	{Fault{Key: "primary-down", Name: "primary down", Layer: probes.Data, Needs: needsMariaDB,
		Cause: Cause{dbPrimary, []string{"mysql/connections"}}, Fix: Fix{Failover, dbPrimary},
		Description: "the primary's mariadbd shuts down (after its replica received everything). Requests fail, health is DOWN, " +
			"mysql/connections is crit on the primary. Teaches the runbook's standby switch: fail over to the replica " +
			"(F, two names typed); the traffic hook moves invoice-api to it. Clearing the fault brings the old primary " +
			"back as a read-only replica of the new one."},
		func(e *Estate, on bool) error { return e.setPrimaryDown(on) }, nil},
	{Fault{Key: "app-cpu-hog", Name: "CPU hog in invoice-api", Layer: probes.Server,
		Cause: Cause{appName, []string{"node_exporter/cpu", "node_exporter/load"}}, Fix: Fix{Restart, appName},
		Description: "a runaway job inside invoice-api's instance spins two threads, far past its 250m CPU quota. " +
			"Shows as node_exporter/cpu crit on invoice-api's server layer (the instance, not the machine). Teaches the " +
			"runbook's server branch: resources abnormal, restart the service instance (R)."},
		func(e *Estate, on bool) error { return e.setCPUHog(on) }, func(e *Estate) bool { return e.inst.running(jobCPUHog) }},
}

// Faults lists every fault with its current state, in panel order.
func (e *Estate) Faults() []Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Fault, len(faultDefs))
	for i, d := range faultDefs {
		out[i] = d.Fault
		out[i].Unavailable = e.unavailable(d.Needs)
		out[i].Active = e.activeLocked(d)
	}
	return out
}

// Toggle switches the fault key on or off on the running servers.
func (e *Estate) Toggle(key string) error { return e.set(key, nil) }

// Set switches the fault key on or off; setting it to the state it is in
// does nothing.
func (e *Estate) Set(key string, on bool) error { return e.set(key, &on) }

func (e *Estate) set(key string, want *bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errClosed
	}
	for _, d := range faultDefs {
		if d.Key != key {
			continue
		}
		if why := e.unavailable(d.Needs); why != "" {
			return fmt.Errorf("fault %s: %s", d.Name, why)
		}
		on := !e.activeLocked(d)
		if want != nil {
			if *want == e.activeLocked(d) {
				return nil
			}
			on = *want
		}
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
