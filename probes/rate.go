package probes

import "time"

// RateWindow turns a server counter (rejected logins, evictions, errors
// since start) into "events in the last minute". It keeps the samples of the
// last minute and compares the newest with the oldest one at least a minute
// old (or the oldest it has): a short window is reported as it is, never
// extrapolated, so one failed login within a 1 s `triage check` window reads
// 1/min, not 60/min. Windows longer than a minute are scaled to per minute.
// The zero value is ready to use.
type RateWindow struct {
	samples []counterSample
}

type counterSample struct {
	at time.Time
	v  float64
}

// Rate is one observation of a counter.
type Rate struct {
	PerMinute float64       // events per minute (see RateWindow)
	Delta     float64       // events between the base sample and now
	Span      time.Duration // between the base sample and now
	Ready     bool          // false on the first sample or after a reset
	Reset     bool          // the counter went backwards (a restart, FLUSH STATUS, CONFIG RESETSTAT)
}

const rateSpan = time.Minute

// Add records v at t and returns the rate against the window's base.
func (w *RateWindow) Add(t time.Time, v float64) Rate {
	if n := len(w.samples); n > 0 && v < w.samples[n-1].v {
		w.samples = []counterSample{{t, v}}
		return Rate{Reset: true}
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
		return Rate{}
	}
	base := w.samples[0]
	r := Rate{Delta: v - base.v, Span: t.Sub(base.at), Ready: true}
	r.PerMinute = r.Delta
	if r.Span > rateSpan {
		r.PerMinute = r.Delta * float64(rateSpan) / float64(r.Span)
	}
	return r
}
