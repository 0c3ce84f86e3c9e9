package redis

import "time"

// rateWindow turns a counter into "events in the last minute": the newest
// sample against the newest one at least a minute old (or the oldest kept).
// A short window is reported as is, never extrapolated; a longer one is
// scaled to per minute. (Same rule as the mysql probe's.)
type rateWindow struct{ samples []counterSample }

type counterSample struct {
	at time.Time
	v  float64
}

type rateResult struct {
	PerMinute float64
	Delta     float64
	Span      time.Duration
	Ready     bool // false on the first sample and after a reset
	Reset     bool // the counter went backwards (restart, CONFIG RESETSTAT)
}

func (w *rateWindow) add(t time.Time, v float64) rateResult {
	if n := len(w.samples); n > 0 && v < w.samples[n-1].v {
		w.samples = []counterSample{{t, v}}
		return rateResult{Reset: true}
	}
	w.samples = append(w.samples, counterSample{t, v})
	cut := 0
	for i := range w.samples {
		if t.Sub(w.samples[i].at) >= time.Minute {
			cut = i
		}
	}
	w.samples = w.samples[cut:]
	if len(w.samples) < 2 {
		return rateResult{}
	}
	base := w.samples[0]
	r := rateResult{Delta: v - base.v, Span: t.Sub(base.at), Ready: true, PerMinute: v - base.v}
	if r.Span > time.Minute {
		r.PerMinute = r.Delta * float64(time.Minute) / float64(r.Span)
	}
	return r
}

// fmtSpan prints a sampling window: 40ms, 2.5s, 1m0s.
func fmtSpan(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
