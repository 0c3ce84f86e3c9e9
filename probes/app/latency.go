package app

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/prometheus/common/model"

	"github.com/fivelayer/triage/probes"
)

// bucket is one cumulative histogram bucket: observations <= upper.
type bucket struct {
	upper float64
	count float64
}

// histogramQuantile estimates quantile q from cumulative buckets the way
// Prometheus's histogram_quantile does: linear interpolation inside the
// bucket holding the rank; a rank in the +Inf bucket returns the highest
// finite bound. It returns NaN without a +Inf bucket or without observations.
func histogramQuantile(q float64, bs []bucket) float64 {
	if len(bs) == 0 {
		return math.NaN()
	}
	bs = append([]bucket(nil), bs...)
	sort.Slice(bs, func(i, j int) bool { return bs[i].upper < bs[j].upper })
	if !math.IsInf(bs[len(bs)-1].upper, 1) {
		return math.NaN()
	}
	for i := 1; i < len(bs); i++ { // counts are cumulative: repair dips from racy scrapes
		bs[i].count = math.Max(bs[i].count, bs[i-1].count)
	}
	total := bs[len(bs)-1].count
	if total <= 0 {
		return math.NaN()
	}
	rank := q * total
	i := sort.Search(len(bs), func(i int) bool { return bs[i].count >= rank })
	if i == len(bs)-1 {
		if len(bs) < 2 {
			return math.NaN()
		}
		return bs[len(bs)-2].upper
	}
	start, below := 0.0, 0.0
	if i > 0 {
		start, below = bs[i-1].upper, bs[i-1].count
	} else if bs[0].upper <= 0 {
		return bs[0].upper
	}
	inBucket := bs[i].count - below
	if inBucket <= 0 {
		return bs[i].upper
	}
	return start + (bs[i].upper-start)*(rank-below)/inBucket
}

// histograms groups bucket series by their labels without le, summing the
// counts of equal bounds; "" is the sum over every series.
func histograms(series []sample) map[string][]bucket {
	byKey := map[string]map[float64]float64{}
	add := func(k string, le, v float64) {
		if byKey[k] == nil {
			byKey[k] = map[float64]float64{}
		}
		byKey[k][le] += v
	}
	for _, s := range series {
		le, err := strconv.ParseFloat(string(s.labels[model.BucketLabel]), 64)
		if err != nil || math.IsNaN(s.value) {
			continue
		}
		ls := s.labels.Clone()
		delete(ls, model.BucketLabel)
		add(ls.String(), le, s.value)
		add("", le, s.value)
	}
	out := make(map[string][]bucket, len(byKey))
	for k, m := range byKey {
		bs := make([]bucket, 0, len(m))
		for le, c := range m {
			bs = append(bs, bucket{upper: le, count: c})
		}
		out[k] = bs
	}
	return out
}

// slowestShown bounds the per-series p99 list in latency evidence.
const slowestShown = 5

// latency grades p99 request latency from the increase of histogram buckets
// between prev and cur (Spring Boot exposes buckets only with
// management.metrics.distribution.percentiles-histogram enabled).
func latency(n metricNames, th probes.Threshold, cur, prev *counterSample) probes.Result {
	const check = "latency"
	if len(cur.buckets) == 0 {
		return unknownResult(check, fmt.Sprintf("metric %s not exposed: no histogram (enable percentiles-histogram)", n.Latency), nil)
	}
	r := newResult(check, th)
	r.Unit = "s"
	r.Evidence["metric"] = n.Latency
	if prev == nil {
		r.Summary = "first sample; latency from next round"
		r.Evidence["first_sample"] = true
		r.Status, r.Warmup = probes.Unknown, true // nothing to compare with yet: shown, not graded
		return r
	}
	dt := cur.at.Sub(prev.at).Seconds()
	deltas, resets := counterDeltas(cur.buckets, prev.buckets)
	hs := histograms(deltas)
	all := hs[""]
	r.Evidence["interval_seconds"] = dt
	r.Evidence["counter_resets"] = resets
	p50, p99 := histogramQuantile(0.5, all), histogramQuantile(0.99, all)
	if math.IsNaN(p99) {
		obs := 0.0
		for _, b := range all {
			obs = math.Max(obs, b.count)
		}
		if obs == 0 {
			r.Value = probes.V(0)
			r.Evidence["observations"] = 0.0
			r.Summary = fmt.Sprintf("no requests in the last %.0fs", dt)
			return r
		}
		r.Status = probes.Unknown
		r.Summary = fmt.Sprintf("%s has no +Inf bucket", n.Latency)
		return r
	}
	obs := 0.0
	for _, b := range all {
		if math.IsInf(b.upper, 1) {
			obs = b.count
		}
	}
	r.Value = probes.V(p99)
	r.Evidence["p50_seconds"] = p50
	r.Evidence["p99_seconds"] = p99
	r.Evidence["observations"] = obs
	r.Evidence["slowest"] = slowest(hs)
	r.Status = th.Grade(p99)
	r.Summary = withBreach(fmt.Sprintf("p99 %s, p50 %s over %s requests in %.0fs", seconds(p99), seconds(p50), num(obs), dt), th, r.Status, " s")
	return r
}

// slowest lists the series with the highest p99, for the drill-down.
func slowest(hs map[string][]bucket) []map[string]any {
	type row struct {
		key      string
		p99, obs float64
	}
	var rows []row
	for k, bs := range hs {
		if k == "" {
			continue
		}
		p := histogramQuantile(0.99, bs)
		if math.IsNaN(p) {
			continue
		}
		obs := 0.0
		for _, b := range bs {
			obs = math.Max(obs, b.count)
		}
		rows = append(rows, row{k, p, obs})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].p99 != rows[j].p99 {
			return rows[i].p99 > rows[j].p99
		}
		return rows[i].key < rows[j].key
	})
	out := make([]map[string]any, 0, slowestShown)
	for i := 0; i < len(rows) && i < slowestShown; i++ {
		out = append(out, map[string]any{"series": rows[i].key, "p99_seconds": rows[i].p99, "requests": rows[i].obs})
	}
	return out
}

// seconds prints a duration in seconds readably: "850ms", "1.42 s".
func seconds(v float64) string {
	if v < 1 {
		return fmt.Sprintf("%.0fms", v*1000)
	}
	return fmt.Sprintf("%.2f s", v)
}
