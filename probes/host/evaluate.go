package host

import (
	"fmt"

	"github.com/fivelayer/triage/probes"
)

// firstSample is the summary of a rate check that has one sample so far.
const firstSample = "first sample; rate needs a second round"

// Evaluate grades cur (and, for rates, the change since prev, which may be
// nil) into one result per host check, in HostChecks order. The same code
// grades a sample from gopsutil, a node exporter or Prometheus.
func Evaluate(prev, cur *HostSample, spec probes.Spec) []probes.Result {
	return []probes.Result{
		evalCPU(prev, cur, spec),
		evalMemory(cur, spec),
		evalSwap(cur, spec),
		evalLoad(cur, spec),
		evalMounts(cur, spec, diskView),
		evalMounts(cur, spec, inodeView),
		evalIOPS(prev, cur, spec),
		evalFDs(cur, spec),
		evalSockets(cur, spec),
		evalOOM(prev, cur, spec),
	}
}

// failed returns the unknown result for check when cur records an error for it.
func failed(cur *HostSample, check, what string) (probes.Result, bool) {
	err := cur.Errs[check]
	if err == nil {
		return probes.Result{}, false
	}
	return unknown(check, "cannot read "+what+": "+err.Error(), err), true
}

func evalCPU(prev, cur *HostSample, spec probes.Spec) probes.Result {
	if r, bad := failed(cur, CheckCPU, "CPU times"); bad {
		return r
	}
	var d CPUTimes
	window := 0.0
	switch {
	case cur.CPURate != nil:
		d = *cur.CPURate
	case cur.CPU == nil:
		return unknown(CheckCPU, "CPU times not reported", nil)
	case prev == nil || prev.CPU == nil:
		r := unknown(CheckCPU, firstSample, nil)
		r.Warmup = true
		r.Evidence["cores"] = cur.Cores
		return r
	default:
		d = cur.CPU.sub(*prev.CPU)
		window = cur.Time.Sub(prev.Time).Seconds()
	}
	tot := d.Total()
	if tot <= 0 || d.Busy() < 0 || d.Idle < 0 {
		return unknown(CheckCPU, "CPU counters did not advance or went back (reset?)", nil)
	}
	busy := pct(d.Busy(), tot)
	ev := map[string]any{
		"busy_percent":   round2(busy),
		"user_percent":   round2(pct(d.User+d.Nice, tot)),
		"system_percent": round2(pct(d.System+d.IRQ+d.SoftIRQ, tot)),
		"iowait_percent": round2(pct(d.IOWait, tot)),
		"steal_percent":  round2(pct(d.Steal, tot)),
		"cores":          cur.Cores,
	}
	if window > 0 {
		ev["window_seconds"] = round2(window)
	}
	if cur.TopCPU != nil {
		ev["top_cpu"] = processEvidence(cur.TopCPU)
		if cur.TopAge > 0 {
			ev["top_age_s"] = round2(cur.TopAge.Seconds())
		}
	}
	s := fmt.Sprintf("CPU %.1f%% busy", busy)
	if cur.Cores > 0 {
		s += " on " + plural(cur.Cores, "core")
	}
	return graded(CheckCPU, threshold(spec, CheckCPU), busy, s, "%", ev)
}

func evalMemory(cur *HostSample, spec probes.Spec) probes.Result {
	if r, bad := failed(cur, CheckMemory, "memory"); bad {
		return r
	}
	m := cur.Memory
	if m == nil || m.TotalBytes <= 0 {
		return unknown(CheckMemory, "memory not reported", nil)
	}
	used := max(m.TotalBytes-m.AvailableBytes, 0)
	p := pct(used, m.TotalBytes)
	ev := map[string]any{
		"total_bytes": u64(m.TotalBytes), "available_bytes": u64(m.AvailableBytes),
		"used_bytes": u64(used), "used_percent": round2(p),
	}
	if cur.TopMemory != nil {
		ev["top_memory"] = processEvidence(cur.TopMemory)
		if cur.TopAge > 0 {
			ev["top_age_s"] = round2(cur.TopAge.Seconds())
		}
	}
	s := fmt.Sprintf("memory %.1f%% used (%s available of %s)", p, bytesH(m.AvailableBytes), bytesH(m.TotalBytes))
	return graded(CheckMemory, threshold(spec, CheckMemory), p, s, "%", ev)
}

func evalSwap(cur *HostSample, spec probes.Spec) probes.Result {
	if r, bad := failed(cur, CheckSwap, "swap"); bad {
		return r
	}
	sw := cur.Swap
	if sw == nil {
		return unknown(CheckSwap, "swap not reported", nil)
	}
	used := max(sw.TotalBytes-sw.FreeBytes, 0)
	p := pct(used, sw.TotalBytes)
	ev := map[string]any{
		"total_bytes": u64(sw.TotalBytes), "free_bytes": u64(sw.FreeBytes),
		"used_bytes": u64(used), "used_percent": round2(p),
	}
	s := fmt.Sprintf("swap %.1f%% used of %s", p, bytesH(sw.TotalBytes))
	if sw.TotalBytes <= 0 {
		s = "no swap configured"
	}
	return graded(CheckSwap, threshold(spec, CheckSwap), p, s, "%", ev)
}

func evalLoad(cur *HostSample, spec probes.Spec) probes.Result {
	if r, bad := failed(cur, CheckLoad, "load average"); bad {
		return r
	}
	l := cur.Load
	if l == nil {
		return unknown(CheckLoad, "load average not reported", nil)
	}
	ev := map[string]any{"load1": l.Load1, "load5": l.Load5, "load15": l.Load15, "cores": cur.Cores}
	if cur.Cores <= 0 {
		r := unknown(CheckLoad, fmt.Sprintf("load %.2f, core count unknown", l.Load1), nil)
		r.Evidence = ev
		return r
	}
	per := l.Load1 / float64(cur.Cores)
	ev["load1_per_core"] = round2(per)
	s := fmt.Sprintf("load %.2f per core (%.2f on %s; 5m %.2f, 15m %.2f)", per, l.Load1, plural(cur.Cores, "core"), l.Load5, l.Load15)
	return graded(CheckLoad, threshold(spec, CheckLoad), per, s, "per core", ev)
}

func evalFDs(cur *HostSample, spec probes.Spec) probes.Result {
	if r, bad := failed(cur, CheckFDs, "file handles"); bad {
		return r
	}
	f := cur.FDs
	if f == nil || f.Max <= 0 {
		return unknown(CheckFDs, "file handle counts not reported", nil)
	}
	p := pct(f.Allocated, f.Max)
	ev := map[string]any{"allocated": u64(f.Allocated), "maximum": u64(f.Max), "used_percent": round2(p)}
	s := fmt.Sprintf("%.0f file handles allocated of %.0f (%.1f%%)", f.Allocated, f.Max, p)
	return graded(CheckFDs, threshold(spec, CheckFDs), p, s, "%", ev)
}

func evalOOM(prev, cur *HostSample, spec probes.Spec) probes.Result {
	if r, bad := failed(cur, CheckOOM, "the oom_kill counter"); bad {
		return r
	}
	if cur.OOMKills == nil {
		return unknown(CheckOOM, "oom_kill counter not reported", nil)
	}
	total := *cur.OOMKills
	if prev == nil || prev.OOMKills == nil {
		r := unknown(CheckOOM, fmt.Sprintf("first sample (%.0f OOM kills since boot); new kills counted from next round", total), nil)
		r.Evidence["oom_kills_total"] = u64(total)
		r.Warmup = true
		return r
	}
	delta := total - *prev.OOMKills
	if delta < 0 { // counter reset: the machine rebooted
		delta = total
	}
	ev := map[string]any{"oom_kills_total": u64(total), "new_kills": u64(delta)}
	if w := cur.Time.Sub(prev.Time).Seconds(); w > 0 {
		ev["window_seconds"] = round2(w)
	}
	s := fmt.Sprintf("no OOM kill since the previous round (%.0f since boot)", total)
	if delta > 0 {
		s = fmt.Sprintf("%.0f OOM kills since the previous round (%.0f since boot)", delta, total)
	}
	return graded(CheckOOM, threshold(spec, CheckOOM), delta, s, "kills", ev)
}
