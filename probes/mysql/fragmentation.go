package mysql

import (
	"fmt"
	"time"

	"github.com/fivelayer/triage/probes"
)

// fragmentationEvery spaces the information_schema.TABLES scan: it opens
// every InnoDB table, and free space changes slowly.
const fragmentationEvery = 10 * time.Minute

// fragmentationFloor is the free space a table needs before its ratio
// counts (the reference query's 1 GiB): small tables' ratios are noise.
const fragmentationFloor = 1 << 30

// fragCache is the last scan, reused between scans.
type fragCache struct {
	rows []row
	err  error
	at   time.Time
}

// fragmentation is info only (docs/sql.md §5): DATA_FREE misses scattered
// deletes, is stale after bulk loads, repeats a shared tablespace's free
// space on every table, and free space is reused by later inserts. So it
// warns at most, as a latent risk, and only for tables with ≥ 1 GiB free.
func (p *Probe) fragmentation(r *round) probes.Result {
	th := p.spec.Threshold(CheckFragmentation, DefaultFragmentation)
	res := probes.Result{Check: CheckFragmentation, For: th.ForDuration(), Unit: "%"}
	if r.frag.at.IsZero() {
		err := r.dead
		if err == nil {
			res.Status, res.Summary = probes.Unknown, "not scanned yet"
			return res
		}
		return p.unmeasured(res, r, err, "")
	}
	if r.frag.err != nil {
		return p.unmeasured(res, r, r.frag.err, "needs SELECT on the schemas to read their sizes")
	}
	tables := make([]map[string]any, 0, len(r.frag.rows))
	var worst float64
	worstName := ""
	for _, t := range r.frag.rows {
		data, idx, free := t.num("data_length"), t.num("index_length"), t.num("data_free")
		ratio := 0.0
		if total := data + idx + free; total > 0 {
			ratio = float64(free) / float64(total) * 100
		}
		name := t.text("table_schema") + "." + t.text("table_name")
		tables = append(tables, map[string]any{
			"table": name, "data_length": data, "index_length": idx, "data_free": free, "free_pct": ratio,
		})
		if free >= fragmentationFloor && ratio > worst {
			worst, worstName = ratio, name
		}
	}
	res.Value = probes.V(worst)
	res.Evidence = map[string]any{
		"tables":         tables,
		"scanned_at":     r.frag.at.UTC().Format(time.RFC3339),
		"min_free_bytes": int64(fragmentationFloor),
		"visibility":     "tables the probe account may SELECT only",
		"note": "DATA_FREE is a weak signal (stale statistics, scattered deletes invisible, shared " +
			"tablespaces repeat their free space); OPTIMIZE TABLE rebuilds the table and never runs automatically",
	}
	if worstName == "" {
		res.Summary = "no table with ≥ 1 GiB free space"
		return res
	}
	if th.Grade(worst) != probes.OK {
		res.Status = probes.Warn // info only: never crit
	}
	res.Summary = fmt.Sprintf("%s has %.0f%% free space%s (info only: reused by later inserts)",
		worstName, worst, breach(th, res.Status, "%"))
	return res
}
