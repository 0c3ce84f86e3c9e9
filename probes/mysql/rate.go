package mysql

import "time"

// rateWindow turns a server counter into "events in the last minute". It
// keeps the samples of the last minute and compares the newest with the
// oldest one at least a minute old (or the oldest it has): a short window is
// reported as it is, never extrapolated, so one failed login within a 1 s
// `triage check` window reads 1/min, not 60/min. Windows longer than a minute
// are scaled down to per minute.
type rateWindow struct {
	samples []counterSample
}

type counterSample struct {
	at time.Time
	v  float64
}

// rateResult is one observation of a counter.
type rateResult struct {
	PerMinute float64       // events per minute (see rateWindow)
	Delta     float64       // events between the base sample and now
	Span      time.Duration // between the base sample and now
	Ready     bool          // false on the first sample or after a reset
	Reset     bool          // the counter went backwards (restart, FLUSH STATUS)
}

const rateSpan = time.Minute

// add records v at t and returns the rate against the window's base.
func (w *rateWindow) add(t time.Time, v float64) rateResult {
	if n := len(w.samples); n > 0 && v < w.samples[n-1].v {
		w.samples = []counterSample{{t, v}}
		return rateResult{Reset: true}
	}
	w.samples = append(w.samples, counterSample{t, v})
	// Drop samples older than needed: keep the newest one at least rateSpan old.
	cut := 0
	for i := range w.samples {
		if t.Sub(w.samples[i].at) >= rateSpan {
			cut = i
		}
	}
	w.samples = w.samples[cut:]
	if len(w.samples) < 2 {
		return rateResult{}
	}
	base := w.samples[0]
	r := rateResult{Delta: v - base.v, Span: t.Sub(base.at), Ready: true}
	r.PerMinute = r.Delta
	if r.Span > rateSpan {
		r.PerMinute = r.Delta * float64(rateSpan) / float64(r.Span)
	}
	return r
}
