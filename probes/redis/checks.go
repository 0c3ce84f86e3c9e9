package redis

import (
	"context"
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// gradeAtLeast grades with inclusive bounds ("≥ 90% of maxclients").
func gradeAtLeast(v, warn, crit float64) probes.Status {
	switch {
	case v >= crit:
		return probes.Crit
	case v >= warn:
		return probes.Warn
	}
	return probes.OK
}

// breach names the broken bound in the one wording (probes.Threshold.Breach):
// " (crit > 10 s)"; "" when st broke none.
func breach(th probes.Threshold, st probes.Status, unit string) string {
	if b := th.Breach(st, unit); b != "" {
		return " (" + b + ")"
	}
	return ""
}

// clients grades connected_clients (the runbook's > 500 warn) and the share of
// maxclients, counting replicas: they use maxclients slots but are not in
// connected_clients.
func (p *Probe) clients(ctx context.Context, s *sample) probes.Result {
	th := p.spec.Threshold(CheckClients, DefaultClients)
	res := probes.Result{Check: CheckClients, For: th.ForDuration(), Unit: "clients"}
	connected, ok := s.info.num("connected_clients")
	if !ok {
		res.Status, res.Summary = probes.Unknown, "INFO has no connected_clients"
		return res
	}
	replicas := s.info.n("connected_slaves")
	res.Value = probes.V(connected)
	res.Status = th.Grade(connected)
	res.Summary = fmt.Sprintf("%.0f clients connected%s", connected, breach(th, res.Status, ""))
	ev := map[string]any{
		"connected_clients": connected,
		"blocked_clients":   s.info.n("blocked_clients"),
		"connected_slaves":  replicas,
		"config_source":     s.configSource,
		"redis_version":     s.info["redis_version"],
	}
	if s.hasMax && s.maxClients > 0 {
		pct := (connected + replicas) / s.maxClients * 100
		ev["maxclients"], ev["used_pct"] = s.maxClients, pct
		st := gradeAtLeast(pct, clientsPctWarn, clientsPctCrit)
		res.Summary = fmt.Sprintf("%.0f clients connected of maxclients %.0f (%.0f%%)%s",
			connected, s.maxClients, pct, breach(th, res.Status, ""))
		if st.Worse(res.Status) {
			res.Status = st
			res.Summary += fmt.Sprintf(" (%s ≥ %.0f%% of maxclients)", st, map[probes.Status]float64{probes.Warn: clientsPctWarn, probes.Crit: clientsPctCrit}[st])
		}
	}
	if res.Status != probes.OK || connected <= clientListUpTo {
		p.clientList(ctx, s)
		if s.clientListErr != nil {
			ev["client_list_error"] = p.explain(s.clientListErr, 0)
		} else {
			sum := summariseClients(s.clientList)
			ev["client_list"] = sum
			if hosts := sum["by_host"].([]map[string]any); len(hosts) > 0 && res.Status != probes.OK {
				res.Summary += fmt.Sprintf("; most from %s (%d)", hosts[0]["name"], hosts[0]["clients"])
			}
		}
	}
	ev["commands"] = s.commands
	res.Evidence = ev
	return res
}

// clientList fetches CLIENT LIST TYPE normal (replicas and pub/sub apart).
func (p *Probe) clientList(ctx context.Context, s *sample) {
	c, err := p.conn(ctx)
	if err != nil {
		s.clientListErr = err
		return
	}
	s.commands++
	raw, err := c.Do(ctx, "CLIENT", "LIST", "TYPE", "normal").Text()
	if err != nil && isSyntaxError(err) { // before Redis 5
		s.commands++
		raw, err = c.ClientList(ctx).Result()
	}
	s.clientList, s.clientListErr = parseClientList(raw), err
}

// rejectedCheck: clients turned away at maxclients since the last rounds.
func (p *Probe) rejectedCheck(s *sample) probes.Result {
	th := p.spec.Threshold(CheckRejected, DefaultRejected)
	res := probes.Result{Check: CheckRejected, For: th.ForDuration(), Unit: "/min"}
	total, ok := s.info.num("rejected_connections")
	if !ok {
		res.Status, res.Summary = probes.Unknown, "INFO has no rejected_connections"
		return res
	}
	ev := map[string]any{"rejected_connections": total}
	res.Evidence = ev
	r, ready := warmRate(&res, &p.rejected, s.start, total, "rejected")
	if !ready {
		return res
	}
	ev["rejected_last_min"], ev["window_seconds"] = r.PerMinute, r.Span.Seconds()
	res.Value = probes.V(r.PerMinute)
	res.Status = th.Grade(r.PerMinute)
	res.Summary = fmt.Sprintf("%.0f connection(s) rejected in the last %s%s", r.Delta, fmtSpan(r.Span), breach(th, res.Status, "/min"))
	if res.Status != probes.OK {
		res.Summary += ": maxclients reached"
	}
	return res
}

// memory grades used_memory against maxmemory with the policy in mind:
// under noeviction a full server refuses writes (crit); other policies
// evict instead (warn at most, and the evictions check reports the loss).
func (p *Probe) memory(s *sample) probes.Result {
	th := p.spec.Threshold(CheckMemory, DefaultMemory)
	res := probes.Result{Check: CheckMemory, For: th.ForDuration(), Unit: "%"}
	used, ok := s.info.num("used_memory")
	if !ok {
		res.Status, res.Summary = probes.Unknown, "INFO has no used_memory"
		return res
	}
	limit := s.info.n("maxmemory")
	oom := s.info.errorCount("OOM")
	ev := map[string]any{
		"used_memory": used, "used_memory_human": s.info["used_memory_human"],
		"used_memory_rss": s.info.n("used_memory_rss"), "maxmemory": limit, "maxmemory_policy": s.policy,
		"mem_fragmentation_ratio": s.info.n("mem_fragmentation_ratio"),
		"rdb_last_bgsave_status":  s.info["rdb_last_bgsave_status"],
		"aof_last_write_status":   s.info["aof_last_write_status"],
		"oom_errors":              oom,
	}
	res.Evidence = ev
	oomRate := p.oomErrors.Add(s.start, oom)
	var notes []string
	for _, k := range []string{"rdb_last_bgsave_status", "aof_last_write_status"} {
		if v := s.info[k]; v != "" && v != "ok" {
			notes = append(notes, fmt.Sprintf("%s=%s", k, v))
			res.Status = probes.Warn
		}
	}
	if limit <= 0 {
		res.Value, res.Unit = probes.V(used), "bytes"
		res.Summary = fmt.Sprintf("%s used, no limit (maxmemory 0)", s.info["used_memory_human"])
	} else {
		pct := used / limit * 100
		ev["used_pct"] = pct
		res.Value = probes.V(pct)
		var warn, crit float64 = 90, 95
		if th.Warn != nil {
			warn = *th.Warn
		}
		if th.Crit != nil {
			crit = *th.Crit
		}
		st := gradeAtLeast(pct, warn, crit)
		if s.policy != "noeviction" && st == probes.Crit {
			st = probes.Warn // evicting, not refusing
		}
		res.Status = probes.Worst(res.Status, st)
		res.Summary = fmt.Sprintf("%s of %.0f MB maxmemory (%.0f%%), policy %s", s.info["used_memory_human"], limit/(1<<20), pct, s.policy)
		if st != probes.OK {
			res.Summary += fmt.Sprintf(" (%s ≥ %g%%)", st, map[probes.Status]float64{probes.Warn: warn, probes.Crit: crit}[st])
		}
	}
	if oomRate.Ready && oomRate.Delta > 0 {
		res.Status = probes.Crit
		notes = append(notes, fmt.Sprintf("%.0f write(s) refused with OOM in the last %s", oomRate.Delta, fmtSpan(oomRate.Span)))
		ev["oom_errors_last_min"] = oomRate.PerMinute
	}
	if len(notes) > 0 {
		res.Summary += "; " + strings.Join(notes, "; ")
	}
	return res
}

// evictions: keys dropped to stay under maxmemory since the last rounds.
func (p *Probe) evictions(s *sample) probes.Result {
	th := p.spec.Threshold(CheckEvictions, DefaultEvictions)
	res := probes.Result{Check: CheckEvictions, For: th.ForDuration(), Unit: "/min"}
	total, ok := s.info.num("evicted_keys")
	if !ok {
		res.Status, res.Summary = probes.Unknown, "INFO has no evicted_keys"
		return res
	}
	ev := map[string]any{"evicted_keys": total, "maxmemory_policy": s.policy}
	res.Evidence = ev
	r, ready := warmRate(&res, &p.evicted, s.start, total, "evicted")
	if !ready {
		return res
	}
	ev["evicted_last_min"], ev["window_seconds"] = r.PerMinute, r.Span.Seconds()
	res.Value = probes.V(r.PerMinute)
	res.Status = th.Grade(r.PerMinute)
	res.Summary = fmt.Sprintf("%.0f key(s) evicted in the last %s%s", r.Delta, fmtSpan(r.Span), breach(th, res.Status, "/min"))
	if res.Status != probes.OK {
		res.Summary += fmt.Sprintf(": data is being dropped (policy %s)", s.policy)
	}
	return res
}

// replication reads the role: a replica's link to its master (down is
// crit), a master's replicas (one not online is warn).
func (p *Probe) replication(s *sample) probes.Result {
	th := p.spec.Threshold(CheckReplication, DefaultReplication)
	res := probes.Result{Check: CheckReplication, For: th.ForDuration()}
	role := s.info["role"]
	ev := map[string]any{"role": role, "connected_slaves": s.info.n("connected_slaves"),
		"master_repl_offset": s.info.n("master_repl_offset")}
	res.Evidence = ev
	switch role {
	case "master":
		reps := s.info.replicas()
		ev["replicas"] = reps
		bad := []string{}
		for _, r := range reps {
			if r["state"] != "online" {
				bad = append(bad, fmt.Sprintf("%s:%s %s", r["ip"], r["port"], r["state"]))
			}
		}
		res.Summary = fmt.Sprintf("master, %d replica(s)", len(reps))
		if len(bad) > 0 {
			res.Status = probes.Warn
			res.Summary += "; not online: " + strings.Join(bad, ", ")
		}
	case "slave":
		src := s.info["master_host"] + ":" + s.info["master_port"]
		link := s.info["master_link_status"]
		lastIO := s.info.n("master_last_io_seconds_ago")
		ev["master"], ev["master_link_status"], ev["master_last_io_seconds_ago"] = src, link, lastIO
		ev["master_sync_in_progress"] = s.info["master_sync_in_progress"] == "1"
		if v, ok := s.info.num("master_link_down_since_seconds"); ok {
			ev["master_link_down_since_seconds"] = v
		}
		res.Unit = "s"
		switch {
		case link != "up":
			res.Status = probes.Crit
			res.Summary = fmt.Sprintf("replica of %s: link %s", src, link)
			if v, ok := s.info.num("master_link_down_since_seconds"); ok && v >= 0 {
				res.Summary += fmt.Sprintf(" for %.0f s", v)
			}
		case s.info["master_sync_in_progress"] == "1":
			res.Status, res.Summary = probes.Warn, fmt.Sprintf("replica of %s: full sync in progress", src)
		default:
			res.Value = probes.V(lastIO)
			res.Status = th.Grade(lastIO)
			res.Summary = fmt.Sprintf("replica of %s, link up, last IO %.0f s ago%s", src, lastIO, breach(th, res.Status, " s"))
		}
	default:
		res.Status, res.Summary = probes.Unknown, fmt.Sprintf("unknown role %q", role)
	}
	return res
}
