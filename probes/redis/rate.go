package redis

import (
	"fmt"
	"time"

	"github.com/fivelayer/triage/probes"
)

// fmtSpan prints a sampling window: 40ms, 2.5s, 1m0s.
func fmtSpan(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// warmRate adds a counter sample to w. Until the window has two samples (the
// first round, or after the counter went backwards) it words res's summary and
// reports not ready: the caller returns res as it is.
func warmRate(res *probes.Result, w *probes.RateWindow, at time.Time, total float64, what string) (probes.Rate, bool) {
	r := w.Add(at, total)
	if r.Ready {
		return r, true
	}
	res.Summary = fmt.Sprintf("first sample (%.0f %s since start); rate from next round", total, what)
	if r.Reset {
		res.Summary = "counter went backwards (restart or CONFIG RESETSTAT); rate from next round"
	}
	return r, false
}
