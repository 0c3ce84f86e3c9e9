package host

import (
	"fmt"
	"math"
	"strconv"

	"github.com/fivelayer/triage/probes"
)

// base builds a result for check with the fields every host result shares.
func base(check string) probes.Result {
	return probes.Result{Check: check, Layer: probes.Server, Evidence: map[string]any{}}
}

// graded returns check's result for value v under t: status, summary with
// the broken bound appended, value, unit and For.
func graded(check string, t probes.Threshold, v float64, summary, unit string, ev map[string]any) probes.Result {
	r := base(check)
	if ev != nil {
		r.Evidence = ev
	}
	r.Unit, r.For = unit, t.ForDuration()
	switch {
	case math.IsNaN(v):
		r.Status, r.Summary = probes.Unknown, summary+" (value is NaN)"
		return r
	case !math.IsInf(v, 0): // ±Inf grades, but does not encode as a JSON value
		r.Value = probes.V(round2(v))
	}
	r.Status = t.Grade(v)
	r.Summary = summary + breach(t, r.Status, unit)
	return r
}

// unknown returns check's result when it could not be graded; err may be nil
// (nothing failed, there is just no rate yet).
func unknown(check, summary string, err error) probes.Result {
	r := base(check)
	r.Status = probes.Unknown
	r.Summary = summary
	if err != nil {
		r.Err = err.Error()
	}
	return r
}

// breach names the broken bound in the one wording (probes.Threshold.Breach):
// " (crit > 95%)"; "" when st broke none.
func breach(th probes.Threshold, st probes.Status, unit string) string {
	if b := th.Breach(st, unit); b != "" {
		return " (" + b + ")"
	}
	return ""
}

// num prints v without trailing zeros: 80, 1.5, 0.25.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// round2 rounds to two decimals, for values and evidence.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// pct is 100·part/whole, 0 when whole is 0.
func pct(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return 100 * part / whole
}

// bytesH prints a byte count in binary units: 512 B, 3.1 GiB.
func bytesH(b float64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%.0f B", b)
	}
	exp, div := 0, float64(unit)
	for n := b / unit; n >= unit && exp < 5; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", b/div, "KMGTPE"[exp])
}

// plural returns "1 mount", "3 mounts".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// u64 converts a non-negative float count to uint64 for evidence.
func u64(v float64) uint64 {
	if v <= 0 || math.IsNaN(v) {
		return 0
	}
	return uint64(math.Round(v))
}

// processEvidence lists processes as evidence rows.
func processEvidence(ps []Process) []map[string]any {
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		row := map[string]any{"pid": p.PID, "name": p.Name, "rss_bytes": p.RSSBytes, "cmdline": p.Cmdline}
		if p.CPUPercent >= 0 {
			row["cpu_percent"] = round2(p.CPUPercent)
		}
		out = append(out, row)
	}
	return out
}
