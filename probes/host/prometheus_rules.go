package host

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/fivelayer/triage/probes"
)

// maxSeriesRows caps the series a rule's evidence lists.
const maxSeriesRows = 20

// rule is a configured PromQL rule with its layer resolved.
type rule struct {
	probes.Rule
	layer probes.Layer
}

// newRules validates the configured rules: a name and a query each, unique
// names, a known layer (default server).
func newRules(spec probes.Spec, fleet bool) ([]rule, error) {
	seen := map[string]bool{}
	if fleet { // the fleet's own check names are taken
		seen[CheckInstances] = true
		for _, c := range HostChecks {
			seen[c.Name] = true
		}
	}
	out := make([]rule, 0, len(spec.Rules))
	for i, r := range spec.Rules {
		if r.Name == "" || strings.TrimSpace(r.Query) == "" {
			return nil, fmt.Errorf("rules[%d]: name and query are required", i)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("rules[%d]: check name %q is already taken", i, r.Name)
		}
		seen[r.Name] = true
		layer := probes.Server
		if r.Layer != "" {
			l, err := probes.ParseLayer(r.Layer)
			if err != nil {
				return nil, fmt.Errorf("rules[%d] %s: %w", i, r.Name, err)
			}
			layer = l
		}
		out = append(out, rule{Rule: r, layer: layer})
	}
	return out, nil
}

// runRules evaluates every rule, a few at a time.
func (p *Prometheus) runRules(ctx context.Context, now time.Time) []probes.Result {
	out := make([]probes.Result, len(p.rules))
	sem := make(chan struct{}, parallelQueries)
	var wg sync.WaitGroup
	for i, r := range p.rules {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = p.evalRule(ctx, r, now)
		}()
	}
	wg.Wait()
	return out
}

// evalRule runs one rule's query and grades it: every series is graded and
// the worst decides; the evidence lists the series.
func (p *Prometheus) evalRule(ctx context.Context, r rule, now time.Time) probes.Result {
	t := p.spec.Threshold(r.Name, probes.Threshold{Warn: r.Warn, Crit: r.Crit, Below: r.Below, For: r.For})
	fail := func(summary string, err error) probes.Result {
		res := unknown(r.Name, summary, err)
		res.Layer, res.Unit = r.layer, r.Unit
		res.Evidence["query"] = r.Query
		return res
	}
	v, warnings, err := p.query(ctx, r.Query, now)
	if err != nil {
		return fail(promFailure(err), err)
	}
	var ss []series
	switch val := v.(type) {
	case model.Vector:
		for _, s := range val {
			ss = append(ss, series{labels: s.Metric, value: float64(s.Value)})
		}
	case *model.Scalar:
		ss = []series{{labels: model.Metric{}, value: float64(val.Value)}}
	default:
		return fail(fmt.Sprintf("query returned a %s; want an instant vector or a scalar", v.Type()), nil)
	}
	if len(ss) == 0 {
		return fail("query returned no data", nil)
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].labels.String() < ss[j].labels.String() })
	worst := -1
	rows := make([]map[string]any, 0, min(len(ss), maxSeriesRows))
	for i, s := range ss {
		if i < maxSeriesRows {
			rows = append(rows, map[string]any{"labels": s.labels.String(), "value": jsonNumber(s.value)})
		}
		if math.IsNaN(s.value) {
			continue
		}
		if worst < 0 || worseSeries(t, s.value, ss[worst].value) {
			worst = i
		}
	}
	ev := map[string]any{"query": r.Query, "series": rows, "series_count": len(ss)}
	if len(warnings) > 0 {
		ev["warnings"] = []string(warnings)
	}
	if worst < 0 {
		res := fail("query returned only NaN", nil)
		res.Evidence = ev
		return res
	}
	w := ss[worst]
	summary := fmt.Sprintf("%s = %s", r.Name, num(round2(w.value)))
	if r.Unit != "" {
		summary += " " + r.Unit
	}
	if len(ss) > 1 {
		summary += fmt.Sprintf(" on %s (worst of %d series)", w.labels.String(), len(ss))
		ev["worst_series"] = w.labels.String()
	}
	res := graded(r.Name, t, w.value, summary, r.Unit, ev)
	res.Layer = r.layer
	return res
}

// worseSeries reports whether a is worse than b under t: a higher status, or
// the same status and further in the threshold's bad direction.
func worseSeries(t probes.Threshold, a, b float64) bool {
	sa, sb := t.Grade(a), t.Grade(b)
	if sa != sb {
		return sa.Worse(sb)
	}
	if t.Below {
		return a < b
	}
	return a > b
}

// jsonNumber keeps NaN and ±Inf out of JSON evidence (they do not encode).
func jsonNumber(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	return v
}
