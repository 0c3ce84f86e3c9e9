package app

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/fivelayer/triage/probes"
)

// counterDeltas pairs each current series with the previous scrape's and
// returns its increase: a lower value is a counter reset (the increase is the
// new value), a series absent before counts in full (Micrometer creates a
// series at its first request). resets counts the resets seen.
func counterDeltas(cur, prev []sample) (deltas []sample, resets int) {
	before := make(map[model.Fingerprint]float64, len(prev))
	for _, s := range prev {
		before[s.labels.Fingerprint()] = s.value
	}
	deltas = make([]sample, 0, len(cur))
	for _, s := range cur {
		if math.IsNaN(s.value) {
			continue
		}
		d := s.value
		if p, ok := before[s.labels.Fingerprint()]; ok && !math.IsNaN(p) {
			if s.value >= p {
				d = s.value - p
			} else {
				resets++
			}
		}
		deltas = append(deltas, sample{labels: s.labels, value: d})
	}
	return deltas, resets
}

// errorRate grades the share of error statuses among requests between prev
// and cur. The first round has no rate: it reports OK with the share since
// the application started as a hint, never graded (it may be days old).
func errorRate(n metricNames, errRe *regexp.Regexp, th probes.Threshold, cur, prev *counterSample) probes.Result {
	const check = "error_rate"
	if len(cur.requests) == 0 {
		return absentResult(check, n.Requests)
	}
	labelled := false
	for _, s := range cur.requests {
		_, ok := s.labels[model.LabelName(n.StatusLabel)]
		labelled = labelled || ok
	}
	if !labelled {
		return unknownResult(check, fmt.Sprintf("metric %s has no label %s (set metrics.status_label)", n.Requests, n.StatusLabel), nil)
	}
	r := newResult(check, th)
	r.Unit = "%"
	r.Evidence["metric"] = n.Requests
	if prev == nil {
		total, errs := 0.0, 0.0
		for _, s := range cur.requests {
			total += s.value
			if errRe.MatchString(string(s.labels[model.LabelName(n.StatusLabel)])) {
				errs += s.value
			}
		}
		r.Summary = "first sample; rate from next round"
		if total > 0 {
			life := 100 * errs / total
			r.Evidence["lifetime_error_percent"] = life
			r.Summary += fmt.Sprintf(" (%.1f%% errors since start)", life)
		}
		r.Evidence["first_sample"] = true
		r.Status, r.Warmup = probes.Unknown, true // nothing to compare with yet: shown, not graded
		return r
	}
	dt := cur.at.Sub(prev.at).Seconds()
	deltas, resets := counterDeltas(cur.requests, prev.requests)
	total, errs := 0.0, 0.0
	byStatus := map[string]float64{}
	for _, d := range deltas {
		status := string(d.labels[model.LabelName(n.StatusLabel)])
		total += d.value
		if errRe.MatchString(status) {
			errs += d.value
		}
		if d.value > 0 {
			byStatus[status] += d.value
		}
	}
	r.Evidence["requests"] = total
	r.Evidence["errors"] = errs
	r.Evidence["by_status"] = byStatus
	r.Evidence["interval_seconds"] = dt
	r.Evidence["counter_resets"] = resets
	if dt > 0 {
		r.Evidence["requests_per_second"] = total / dt
	}
	if total == 0 {
		r.Value = probes.V(0)
		r.Summary = fmt.Sprintf("no requests in the last %.0fs", dt)
		return r
	}
	pct := 100 * errs / total
	r.Value = probes.V(pct)
	r.Evidence["error_percent"] = pct
	r.Status = th.Grade(pct)
	r.Summary = withBreach(fmt.Sprintf("errors %.1f%% (%s of %s requests in %.0fs)", pct, num(errs), num(total), dt), th, r.Status, "%")
	return r
}

// poolUse grades the busiest connection pool (active/max) and warns on
// threads waiting for a connection.
func poolUse(n metricNames, th probes.Threshold, exp exposition) probes.Result {
	const check = "pool"
	active, maxes := exp[n.PoolActive], exp[n.PoolMax]
	switch {
	case len(active) == 0:
		return absentResult(check, n.PoolActive)
	case len(maxes) == 0:
		return absentResult(check, n.PoolMax)
	}
	key := func(s sample) string {
		if v, ok := s.labels[model.LabelName(n.PoolLabel)]; ok {
			return string(v)
		}
		return s.labels.String()
	}
	maxBy, pendBy := map[string]float64{}, map[string]float64{}
	for _, s := range maxes {
		maxBy[key(s)] = s.value
	}
	pendingExposed := len(exp[n.PoolPending]) > 0
	for _, s := range exp[n.PoolPending] {
		pendBy[key(s)] = s.value
	}
	type pool struct {
		Name                   string
		Active, Max, Pct, Pend float64
		HasMax                 bool
	}
	var pools []pool
	for _, s := range active {
		k := key(s)
		mx, ok := maxBy[k]
		p := pool{Name: k, Active: s.value, Max: mx, Pend: pendBy[k], HasMax: ok && mx > 0}
		if p.HasMax {
			p.Pct = 100 * p.Active / p.Max
		}
		pools = append(pools, p)
	}
	sort.SliceStable(pools, func(i, j int) bool { return pools[i].Pct > pools[j].Pct })
	r := newResult(check, th)
	r.Unit = "%"
	ev := make([]map[string]any, 0, len(pools))
	var worst *pool
	pending := 0.0
	for i, p := range pools {
		e := map[string]any{"pool": p.Name, "active": p.Active}
		if p.HasMax {
			e["max"], e["percent"] = p.Max, p.Pct
			if worst == nil {
				worst = &pools[i]
			}
		}
		if pendingExposed {
			e["pending"] = p.Pend
			pending += p.Pend
		}
		ev = append(ev, e)
	}
	r.Evidence["pools"] = ev
	if worst == nil {
		r.Status = probes.Unknown
		r.Summary = fmt.Sprintf("%s is 0 or missing for every pool", n.PoolMax)
		return r
	}
	r.Value = probes.V(worst.Pct)
	r.Status = th.Grade(worst.Pct)
	r.Summary = withBreach(fmt.Sprintf("pool %s %s/%s active (%.0f%%)", worst.Name, num(worst.Active), num(worst.Max), worst.Pct), th, r.Status, "%")
	if pending > 0 {
		r.Status = probes.Worst(r.Status, probes.Warn)
		r.Summary += fmt.Sprintf(", %s waiting for a connection", num(pending))
	}
	return r
}

// legacyBreakerStates decodes the older resilience4j gauge without a state
// label, whose value is the state's ordinal.
var legacyBreakerStates = map[float64]string{0: "closed", 1: "open", 2: "half_open", 3: "disabled", 4: "forced_open", 5: "metrics_only"}

// breakers grades circuit breakers: open or forced_open counts against th
// (crit by default), half_open warns.
func breakers(n metricNames, th probes.Threshold, exp exposition) probes.Result {
	const check = "circuit_breaker"
	series := exp[n.Breaker]
	if len(series) == 0 {
		return absentResult(check, n.Breaker)
	}
	state := map[string]string{}
	for _, s := range series {
		name := string(s.labels[model.LabelName(n.BreakerLabel)])
		st, labelled := s.labels[model.LabelName(n.StateLabel)]
		switch {
		case labelled && s.value == 1:
			state[name] = strings.ToLower(string(st))
		case labelled:
			if _, seen := state[name]; !seen {
				state[name] = "" // known breaker, current state not yet seen
			}
		default:
			if v, ok := legacyBreakerStates[s.value]; ok {
				state[name] = v
			}
		}
	}
	var open, half []string
	for name, st := range state {
		switch st {
		case "open", "forced_open":
			open = append(open, name)
		case "half_open":
			half = append(half, name)
		case "":
			state[name] = "unknown"
		}
	}
	sort.Strings(open)
	sort.Strings(half)
	r := newResult(check, th)
	r.Unit = "breakers"
	r.Value = probes.V(float64(len(open)))
	r.Evidence["breakers"] = state
	r.Evidence["open"] = open
	r.Evidence["half_open"] = half
	r.Status = th.Grade(float64(len(open)))
	switch {
	case len(open) > 0:
		r.Summary = fmt.Sprintf("%d of %d breakers open: %s", len(open), len(state), strings.Join(open, ", "))
	case len(half) > 0:
		r.Summary = fmt.Sprintf("%d of %d breakers half-open: %s", len(half), len(state), strings.Join(half, ", "))
	default:
		closed := 0
		for _, st := range state {
			if st == "closed" {
				closed++
			}
		}
		r.Summary = fmt.Sprintf("all %d breakers closed", len(state))
		if closed < len(state) {
			r.Summary = fmt.Sprintf("no breaker open (%d of %d closed)", closed, len(state))
		}
	}
	r.Summary = withBreach(r.Summary, th, r.Status, "")
	if len(half) > 0 {
		r.Status = probes.Worst(r.Status, probes.Warn)
	}
	return r
}
