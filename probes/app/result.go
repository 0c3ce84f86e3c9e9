package app

import (
	"fmt"
	"strconv"

	"github.com/fivelayer/triage/probes"
)

// newResult starts a result for check graded under th.
func newResult(check string, th probes.Threshold) probes.Result {
	return probes.Result{Check: check, For: th.ForDuration(), Evidence: map[string]any{}}
}

// unknownResult is a check that could not measure: the error is both the
// summary's cause and Err.
func unknownResult(check, summary string, err error) probes.Result {
	r := probes.Result{Check: check, Status: probes.Unknown, Summary: summary, Evidence: map[string]any{}}
	if err != nil {
		r.Err = err.Error()
		if summary == "" {
			r.Summary = err.Error()
		}
	}
	return r
}

// breach names the bound a status crossed in the one wording
// (probes.Threshold.Breach), e.g. "crit > 10%"; empty for OK or when the
// status did not come from th.
func breach(th probes.Threshold, st probes.Status, unit string) string { return th.Breach(st, unit) }

// withBreach appends " (crit > 10%)" to s when the status crossed a bound.
func withBreach(s string, th probes.Threshold, st probes.Status, unit string) string {
	if b := breach(th, st, unit); b != "" {
		return s + " (" + b + ")"
	}
	return s
}

// num prints a number compactly: 3, 0.25, 1.5e+06.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// absentResult is a check whose metric the target does not expose: the
// scheduler leaves it out of the estate and the probe notes it in the
// evidence of its other checks (see Metrics.Run).
func absentResult(check, metric string) probes.Result {
	r := unknownResult(check, "metric "+metric+" not exposed", nil)
	r.Absent = true
	r.Evidence["metric"] = metric
	return r
}

// noteAbsent leaves out the checks whose metric is not exposed, listing them
// in the evidence of the others. When nothing at all is exposed the results
// stay as they are (unknown): the names are likely misconfigured.
func noteAbsent(out []probes.Result) []probes.Result {
	var absent []string
	for _, r := range out {
		if r.Absent {
			absent = append(absent, fmt.Sprintf("%s (%v)", r.Check, r.Evidence["metric"]))
		}
	}
	if len(absent) == 0 {
		return out
	}
	if len(absent) == len(out) {
		for i := range out {
			out[i].Absent = false
		}
		return out
	}
	for i := range out {
		if !out[i].Absent {
			if out[i].Evidence == nil {
				out[i].Evidence = map[string]any{}
			}
			out[i].Evidence["not_exposed"] = absent
		}
	}
	return out
}
