package incident

import (
	"fmt"
	"sort"
	"strings"
)

// The data, server and fleet advice.

func mysqlConnections(c cause) []Advice {
	if c.r.Err != "" || c.r.TimedOut {
		return []Advice{
			say("the database does not accept connections (%s): is the server running, its error log, its disk; clients see connection errors now", clip(c.r.Summary, 90)),
			c.offer(Switchover, "if the primary is lost, switch to the standby"),
			c.offer(Failover, "if the primary cannot be reached at all, fail over to the standby (extra confirmation)"),
		}
	}
	holders := map[string]int{}
	idle := 0
	for _, p := range c.ev.list("processlist") {
		holders[p.str("user")+"@"+hostOf(p.str("host"))]++
		if p.str("command") == "Sleep" {
			idle++
		}
	}
	var top []kv
	for k, n := range holders {
		top = append(top, kv{k, float64(n)})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].n > top[j].n || (top[i].n == top[j].n && top[i].k < top[j].k) })
	out := []Advice{say("%s of %s connections in use: find who holds them by user and host (%s) — a client whose pool leaks or grew; fix that client, raise max_connections only as a stopgap",
		c.ev.str("threads_connected"), c.ev.str("max_connections"), orWord(topList(top, 3), "the process list in the drill-down"))}
	if idle > 0 {
		out = append(out, c.offer(KillSession, fmt.Sprintf("kill idle (Sleep) sessions of the top holder to make room (%d idle in the sampled list)", idle)))
	}
	return out
}

func lockWaits(c cause) []Advice {
	roots := c.ev.nums("root_blockers")
	if len(roots) == 0 {
		return []Advice{say("sessions wait on row locks: the chain in the drill-down shows who blocks them")}
	}
	root := int64(roots[0])
	var act, query, rows string
	for _, w := range c.ev.list("waits") {
		if b, _ := w.num("blocking_thread"); int64(b) == root {
			act, query, rows = w.str("blocking_activity"), w.str("blocking_query"), w.str("blocking_rows_modified")
			break
		}
	}
	n := len(c.ev.list("waits"))
	out := []Advice{c.offer(KillSession, fmt.Sprintf("kill the root blocker, connection %d (%s; rolls back %s rows) — it holds the lock %d session(s) wait for", root, orWord(act, "blocking"), orWord(rows, "?"), n))}
	if query != "" {
		out = append(out, c.offer(KillQuery, fmt.Sprintf("or stop only its statement (KILL QUERY %d: %s), keeping the connection", root, clip(query, 60))))
	}
	out = append(out, say("then find why connection %d kept its transaction open (an app that forgot to commit, a slow batch)", root))
	return out
}

func deadlocks(c cause) []Advice {
	latest := c.ev.obj("latest")
	var qs []string
	for _, t := range latest.list("transactions") {
		qs = append(qs, fmt.Sprintf("thread %s: %s", t.str("thread_id"), clip(t.str("query"), 50)))
	}
	return []Advice{
		say("deadlocks: two transactions take the same rows in opposite order; InnoDB already rolled one back (thread %s) — nothing to kill", orWord(latest.str("rolled_back_thread"), "?")),
		say("make the application take rows in one order (or lock them up front) and retry a transaction that is rolled back%s", prefixed("; latest: ", strings.Join(qs, " vs "))),
	}
}

func longTrx(c cause) []Advice {
	trx := c.ev.list("transactions")
	if len(trx) == 0 {
		return []Advice{say("a transaction has been open too long: the drill-down lists it")}
	}
	t := trx[0]
	what := "running"
	if idle, _ := t["idle_in_transaction"].(bool); idle {
		what = "idle in transaction"
	}
	return []Advice{
		say("connection %s (%s@%s) has had a transaction open %ss, %s: have the application commit or roll back", t.str("thread"), t.str("user"), hostOf(t.str("host")), t.str("age_seconds"), what),
		c.offer(KillSession, fmt.Sprintf("kill connection %s if it holds others up (rolls back %s rows)", t.str("thread"), orWord(t.str("rows_modified"), "?"))),
	}
}

func history(c cause) []Advice {
	return []Advice{say("the undo history (%s) grows: an old open transaction or read view holds purge back — see long transactions", c.ev.str("history_list_length"))}
}

func replication(c cause) []Advice {
	var out []Advice
	for _, ch := range c.ev.list("channels") {
		name := orWord(ch.str("channel"), "default")
		src := ch.str("source_host")
		switch {
		case ch.str("sql_running") != "Yes" && ch.str("sql_running") != "true":
			out = append(out, say("replication SQL thread stopped on channel %s: Last_SQL_Error %s: %s", name, ch.str("last_sql_errno"), orWord(clip(ch.str("last_sql_error"), 120), "(none)")),
				say("fix what the error names (a missing or duplicate row means the replica diverged: compare the row with the primary), then START SLAVE SQL_THREAD; skip an event only with a GTID-aware plan"))
		case ch.str("io_running") != "Yes" && ch.str("io_running") != "true":
			out = append(out, say("replication IO thread not running on channel %s (source %s): Last_IO_Error %s: %s — check the primary is reachable and the replication user's password, then START SLAVE IO_THREAD", name, src, ch.str("last_io_errno"), orWord(clip(ch.str("last_io_error"), 100), "(none)")))
		default:
			if d, _ := ch.num("sql_delay"); d > 0 {
				out = append(out, say("the replica is delayed on purpose (MASTER_DELAY %ss): it is behind by design; do not switch over to it without waiting", trimNum(d)))
			} else if lag := ch.str("lag_seconds"); lag != "" {
				out = append(out, say("the replica is %ss behind %s: large transactions or a slow replica; do not switch over until lag is 0", lag, src))
			}
		}
	}
	if errant, _ := c.ev["errant_transactions"].(bool); errant {
		out = append(out, say("errant transactions: something wrote on the replica; find them (GTID sets in the drill-down) before any switchover"))
	}
	if len(out) == 0 {
		out = append(out, say("replication: %s", clip(c.r.Summary, 120)))
	}
	return out
}

func readOnly(c cause) []Advice {
	return []Advice{say("read_only does not match the role (%s): confirm which server is primary before changing it — two writable servers split the data", clip(c.r.Summary, 90))}
}

func fragmentation(c cause) []Advice {
	return []Advice{say("tables carry free space (%s): OPTIMIZE TABLE in a quiet window; information only", clip(c.r.Summary, 80))}
}

func authFailures(c cause) []Advice {
	return []Advice{say("logins are rejected (%s/min access denied): a client with an old password after a rotation, or a brute force — the server's error log (log_warnings=2) names user and host", orWord(c.ev.str("access_denied_per_min"), "?"))}
}

func redisClients(c cause) []Advice {
	list := c.ev.obj("client_list")
	var hosts []string
	for _, h := range list.list("by_host") {
		hosts = append(hosts, fmt.Sprintf("%s (%s)", h.str("name"), h.str("clients")))
		if len(hosts) == 3 {
			break
		}
	}
	return []Advice{
		say("Redis has %s clients of maxclients %s: the addresses holding most are %s — a client pool that leaks or grew; fix or restart that client", orWord(c.ev.str("connected_clients"), "many"), orWord(c.ev.str("maxclients"), "?"), orWord(strings.Join(hosts, ", "), "in CLIENT LIST")),
		say("CLIENT KILL ADDR for the idle ones of that host buys time; raise maxclients only as a stopgap"),
	}
}

func redisMemory(c cause) []Advice {
	return []Advice{say("Redis memory %s of maxmemory %s (policy %s): with noeviction writes fail, otherwise keys are evicted — find big keys (redis-cli --bigkeys), raise maxmemory or shorten TTLs", c.ev.str("used_memory_human"), orWord(c.ev.str("maxmemory"), "?"), orWord(c.ev.str("maxmemory_policy"), "?"))}
}

func redisReplication(c cause) []Advice {
	return []Advice{say("Redis replication link %s to %s: check the master is reachable and its replication buffer", orWord(c.ev.str("master_link_status"), "down"), orWord(c.ev.str("master"), "the master"))}
}

func cpu(c cause) []Advice {
	var top []string
	for _, p := range c.ev.list("top_cpu") {
		top = append(top, fmt.Sprintf("%s pid %s %s%%", clip(p.str("name"), 24), p.str("pid"), p.str("cpu_percent")))
		if len(top) == 3 {
			break
		}
	}
	out := []Advice{say("CPU busy on %s: top processes %s — a runaway process or more load than the host can carry", c.r.Component, orWord(strings.Join(top, ", "), "in the drill-down"))}
	return append(out, c.offer(Restart, fmt.Sprintf("restart %s if its own process is the one spinning", c.r.Component)))
}

func memory(c cause) []Advice {
	var top []string
	for _, p := range c.ev.list("top_memory") {
		top = append(top, fmt.Sprintf("%s pid %s", clip(p.str("name"), 24), p.str("pid")))
		if len(top) == 3 {
			break
		}
	}
	return []Advice{say("memory pressure on %s (%s): the biggest processes are %s; swap and OOM kills follow — `dmesg` names what the OOM killer took", c.r.Component, clip(c.r.Summary, 60), orWord(strings.Join(top, ", "), "in the drill-down"))}
}

func disk(c cause) []Advice {
	return []Advice{say("disk %s on %s is filling: remove old logs and rotated files, purge binary logs past the replicas' position, or grow the volume — a full disk stops the database", orWord(c.ev.str("worst_mountpoint"), "?"), c.r.Component)}
}

func iops(c cause) []Advice {
	return []Advice{say("disk I/O high on %s (%s): a backup, a table scan or swap — the busiest device and `iotop` tell which", orWord(c.ev.str("busiest_device"), "?"), c.r.Component)}
}

func fds(c cause) []Advice {
	return []Advice{say("open files near the limit on %s (%s of %s): a process leaks descriptors or the limit is too low", c.r.Component, c.ev.str("allocated"), c.ev.str("maximum"))}
}

func sockets(c cause) []Advice {
	cw, _ := c.ev.num("close_wait")
	if cw > 0 {
		return []Advice{say("%s sockets in CLOSE_WAIT on %s: an application does not close connections its peer closed — `ss -tanp state close-wait` names it", trimNum(cw), c.r.Component),
			c.offer(Restart, fmt.Sprintf("restart %s if it is the one holding them", c.r.Component))}
	}
	return []Advice{say("socket states pile up on %s (%s TIME_WAIT): short connections without keep-alive — enable connection reuse", c.r.Component, c.ev.str("time_wait"))}
}

func instances(c cause) []Advice {
	return []Advice{say("Prometheus reports targets down (%s): each is a host or exporter that stopped answering", c.ev.str("down"))}
}
