package incident

import (
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// The network and application layers' advice.

func tcpConnect(c cause) []Advice {
	addr := c.ev.str("address")
	refused, _ := c.ev.num("refused")
	timedOut, _ := c.ev.num("timed_out")
	switch {
	case refused > 0 || strings.Contains(strings.ToLower(c.r.Summary+c.r.Err), "refused"):
		return []Advice{
			say("nothing listens on %s: the process is down or not bound to that address — check it on its host (systemctl status, its log, `ss -ltnp`)", addr),
			c.offer(Restart, fmt.Sprintf("restart %s once its log says why it stopped", c.r.Component)),
		}
	case timedOut > 0 || c.r.TimedOut:
		return []Advice{
			say("connects to %s time out: the host is down, a firewall drops the SYNs, or the process hangs with a full accept queue (`ss -ltn` shows Recv-Q at the backlog)", addr),
			say("T in the drill-down traces the route to %s", hostOf(addr)),
			c.offer(Restart, fmt.Sprintf("if the process hangs, restart %s", c.r.Component)),
		}
	}
	return []Advice{say("connects to %s are slow or lossy (%s): trace the route (T) and check the link and the host's load", addr, clip(c.r.Summary, 80))}
}

func tcpPorts(c cause) []Advice {
	var bad []string
	for _, p := range c.ev.list("ports") {
		if ok, _ := p["ok"].(bool); !ok {
			bad = append(bad, fmt.Sprintf("%s/%s want %s got %s", p.str("port"), p.str("proto"), p.str("want"), p.str("got")))
		}
	}
	return []Advice{say("ports not as expected on %s: %s — a firewall rule or a service that should (not) listen", c.ev.str("host"), strings.Join(bad, "; "))}
}

func ping(c cause) []Advice {
	if r := c.ev.str("remedy"); r != "" {
		return []Advice{say("ICMP needs privilege here: %s; the tcp probe measures reachability meanwhile", r)}
	}
	return []Advice{say("%s%% of pings to %s lost: trace the route (T) for the hop that drops or loops, then the link and the firewall", c.ev.str("loss_pct"), c.ev.str("address"))}
}

func dnsResolve(c cause) []Advice {
	var bad []string
	for _, r := range c.ev.list("resolvers") {
		if rc := r.str("rcode"); (rc != "" && rc != "NOERROR") || r.str("error") != "" {
			what := rc
			if e := r.str("error"); e != "" {
				what = clip(e, 60)
			}
			bad = append(bad, r.str("resolver")+" "+what)
		}
	}
	out := []Advice{say("resolving %s fails at %s: check that resolver's health and what it forwards to; a SERVFAIL is the resolver's or the zone's failure, an NXDOMAIN a missing record", c.ev.str("name"), orWord(strings.Join(bad, ", "), "the resolver"))}
	if split, _ := c.ev["split"].(bool); split {
		out = append(out, say("the resolvers disagree: one has a stale zone or cache — flush it or point clients at the one that answers"))
	}
	return out
}

func httpReach(c cause) []Advice {
	switch stage := c.ev.str("stage"); stage {
	case "dns":
		return []Advice{say("the URL's name does not resolve: check the resolver (dns probe) and the record")}
	case "connect":
		return []Advice{say("nothing accepts connections at %s: the server is down, not listening, or firewalled", orWord(c.ev.str("remote_addr"), c.ev.str("url"))),
			c.offer(Restart, fmt.Sprintf("restart %s once its log says why it stopped", c.r.Component))}
	case "tls":
		return []Advice{say("the TLS handshake fails: look at the certificate check and the server's TLS configuration")}
	}
	return []Advice{say("%s answers slowly (%s): the application is overloaded or waits on a dependency — its pool, its database locks", c.ev.str("url"), clip(c.r.Summary, 80))}
}

func httpStatus(c cause) []Advice {
	code, _ := c.ev.num("status_code")
	var down []string
	for name, st := range c.ev.obj("components") {
		if s, _ := st.(string); s != "" && s != "UP" {
			down = append(down, name+" "+s)
		}
	}
	var out []Advice
	switch {
	case len(down) > 0:
		out = append(out, say("the health endpoint reports %s: fix that dependency first", strings.Join(down, ", ")))
	case code == 502 || code == 504:
		out = append(out, say("HTTP %d from a proxy: its upstream fails — the proxy's error log names it; a dependency below in the path view", int(code)))
	case code >= 500:
		out = append(out, say("%s answers HTTP %d: read the application's log for the exception behind it; check its pool, its dependencies and its recent deploys", c.r.Component, int(code)))
	case code > 0:
		out = append(out, say("%s answers HTTP %d where %s is expected: a routing, auth or deploy problem", c.r.Component, int(code), c.ev.str("expected")))
	default:
		out = append(out, say("%s: %s", c.r.ID, clip(c.r.Summary, 100)))
	}
	if code >= 500 || len(down) > 0 {
		out = append(out, c.offer(Restart, fmt.Sprintf("restart %s if it does not recover once its dependency is back", c.r.Component)))
	}
	return out
}

func errorRate(c cause) []Advice {
	return []Advice{say("%s%% of requests fail with 5xx (%s): the application's log names the exception; check its pool and its dependencies", c.ev.str("error_percent"), topList(c.ev.counts("by_status"), 3)),
		c.offer(Restart, fmt.Sprintf("restart %s if the errors come from a wedged instance", c.r.Component))}
}

func latency(c cause) []Advice {
	var slow []string
	for _, s := range c.ev.list("slowest") {
		slow = append(slow, fmt.Sprintf("%s p99 %ss", clip(s.str("series"), 40), s.str("p99_seconds")))
	}
	return []Advice{say("requests are slow (p99 %ss)%s: look for pool waiters, database lock waits and GC pauses", c.ev.str("p99_seconds"), prefixed(": slowest ", strings.Join(slow, ", ")))}
}

func pool(c cause) []Advice {
	var parts []string
	for _, p := range c.ev.list("pools") {
		parts = append(parts, fmt.Sprintf("%s %s/%s active, %s pending", p.str("pool"), p.str("active"), p.str("max"), orWord(p.str("pending"), "0")))
	}
	return []Advice{say("the connection pool is exhausted (%s): connections are held — look at the database's lock waits and long transactions, then the app's leaked connections; raise the pool size only after", strings.Join(parts, "; ")),
		c.offer(Restart, fmt.Sprintf("restart %s to release leaked connections, once the database is healthy", c.r.Component))}
}

func breaker(c cause) []Advice {
	var open []string
	for name, st := range c.ev.obj("breakers") {
		if s, _ := st.(string); s == "open" || s == "forced_open" {
			open = append(open, name)
		}
	}
	return []Advice{say("circuit breakers open (%s): the downstream they protect is failing — follow it in the path view", strings.Join(open, ", "))}
}

func upstream(c cause) []Advice {
	kinds := c.ev.counts("by_kind")
	var out []Advice
	for _, k := range kinds {
		switch k.k {
		case "connect_failed", "no_live_upstreams":
			out = append(out, say("nginx cannot connect to its upstream (%s): the application behind it is down — see its tcp check", topList(kinds, 3)))
		case "timed_out":
			out = append(out, say("nginx's upstream times out (%s): the application behind it hangs or is overloaded", topList(kinds, 3)))
		}
		if len(out) > 0 {
			return out
		}
	}
	return []Advice{say("nginx logs upstream errors (%s): the last lines in the drill-down name the upstream", topList(kinds, 3))}
}

func nginxConns(c cause) []Advice {
	return []Advice{say("nginx connections: %s active, %s dropped since last round — worker_connections or the upstream holding requests", c.ev.str("active"), orWord(c.ev.str("dropped_since_last"), "0"))}
}

func unit(c cause) []Advice {
	return []Advice{say("unit %s is %s/%s (result %s, %s restarts): `journalctl -u %s` says why", c.ev.str("unit"), c.ev.str("active_state"), c.ev.str("sub_state"), orWord(c.ev.str("result"), "?"), orWord(c.ev.str("n_restarts"), "0"), c.ev.str("unit")),
		c.offer(Restart, fmt.Sprintf("restart %s once the journal says why it failed", c.r.Component))}
}

func certificate(c cause) []Advice {
	if c.r.Impact == probes.UserFacing {
		return []Advice{say("the certificate fails verification (%s): deploy a valid certificate with its full chain for %s and reload the server", orWord(c.ev.str("verify_error"), clip(c.r.Summary, 80)), orWord(c.ev.str("server_name"), "the name clients use"))}
	}
	name := orWord(c.ev.str("server_name"), orWord(c.ev.str("subject"), c.r.Component))
	when := "it expires (" + clip(c.r.Summary, 60) + ")"
	if na := c.ev.str("not_after"); na != "" {
		when = na
	}
	return []Advice{say("renew the certificate for %s before %s and deploy it with its chain; then reload the server", name, when)}
}

func hostOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}
