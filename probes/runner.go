package probes

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// runTarget runs t's probe on this goroutine until its deadline dl, and
// never makes the round wait much past it. A probe that returns by then
// (or within the grace after it) has its results returned with returned.
// One that does not is given up on: a watchdog frees its slots, records
// every check as timed out and calls late, and runTarget returns overran
// whenever the probe does return; its results are dropped, and the target
// stays busy until then.
func (s *Scheduler) runTarget(ctx context.Context, t *target, dl time.Time, sl *slots, late func()) ([]Result, sampleState) {
	t.mu.Lock()
	if t.busy {
		t.mu.Unlock()
		return s.failAll(t, Unknown, "still running from an earlier round", "probe did not return after its timeout in an earlier round", false), returned
	}
	t.busy = true
	t.mu.Unlock()

	pctx, cancel := context.WithDeadline(ctx, dl)
	defer cancel()
	w := &watchdog{s: s, t: t, round: ctx, start: s.opts.Now(), slots: sl, late: late}
	stop := context.AfterFunc(pctx, w.arm)

	rs := s.runProbe(pctx, t)
	t.mu.Lock() // free before reporting, so the next round may start it again
	t.busy = false
	t.mu.Unlock()
	if !stop() {
		w.disarm()
	}
	if !w.claimed.CompareAndSwap(false, true) {
		return nil, overran
	}
	if errors.Is(pctx.Err(), context.DeadlineExceeded) {
		rs = s.fillTimedOut(t, rs)
	}
	s.setDurations(rs, w.start)
	return rs, returned
}

// watchdog gives up on a probe the grace after its context ended, unless
// the probe has returned by then: of the two, the first to claim reports.
type watchdog struct {
	s       *Scheduler
	t       *target
	round   context.Context
	start   time.Time
	slots   *slots
	late    func()
	claimed atomic.Bool
	timer   atomic.Pointer[time.Timer]
}

// arm starts the grace; it runs when the probe's context ends.
func (w *watchdog) arm() { w.timer.Store(time.AfterFunc(w.s.opts.Grace, w.giveUp)) }

// disarm stops the grace when the probe returned after its context ended.
func (w *watchdog) disarm() {
	if tm := w.timer.Load(); tm != nil {
		tm.Stop()
	}
}

func (w *watchdog) giveUp() {
	if !w.claimed.CompareAndSwap(false, true) {
		return
	}
	msg := fmt.Sprintf("timed out after %s", w.t.Timeout)
	if w.round.Err() != nil {
		msg = "cancelled"
	}
	rs := w.s.failAll(w.t, -1, msg, "probe "+msg, true)
	w.s.setDurations(rs, w.start)
	w.slots.free()
	w.s.record(w.t, rs)
	w.late()
}

// runProbe runs t's probe, turning a panic into a failed result.
func (s *Scheduler) runProbe(ctx context.Context, t *target) (rs []Result) {
	defer func() {
		if p := recover(); p != nil {
			rs = s.failAll(t, Unknown, "probe failed", fmt.Sprintf("probe panicked: %v", p), false)
		}
	}()
	return t.Probe.Run(ctx)
}

// setDurations gives results that do not say how long they took the time
// since start.
func (s *Scheduler) setDurations(rs []Result, start time.Time) {
	took := s.opts.Now().Sub(start)
	for i := range rs {
		if rs[i].Duration == 0 {
			rs[i].Duration = took
		}
	}
}

// fillTimedOut adds a timeout result for each check a probe left out when it
// returned past its deadline: those checks timed out, they are not "no result".
func (s *Scheduler) fillTimedOut(t *target, rs []Result) []Result {
	key := func(r Result) string {
		if r.Component == "" {
			return t.Component + "/" + r.Check
		}
		return r.Component + "/" + r.Check
	}
	have := map[string]bool{}
	for _, r := range rs {
		have[key(r)] = true
	}
	msg := fmt.Sprintf("timed out after %s", t.Timeout)
	for _, r := range s.failAll(t, -1, msg, "probe "+msg, true) {
		if !have[key(r)] {
			rs = append(rs, r)
		}
	}
	return rs
}

// failAll gives every check of t the same failure. status -1 means "each
// check's own OnTimeout rule".
func (s *Scheduler) failAll(t *target, status Status, summary, err string, timedOut bool) []Result {
	rs := make([]Result, 0, len(t.checks))
	for i, c := range t.checks {
		r := s.blank(t, i)
		r.Status = status
		if status < 0 {
			r.Status = c.OnTimeout
			if r.Status == OK {
				r.Status = Unknown
			}
		}
		r.Summary, r.Err = summary, err
		if timedOut {
			r.TimedOut = true
			r.Evidence = map[string]any{"probe_timed_out": true, "timeout_ms": t.Timeout.Milliseconds()}
		}
		rs = append(rs, r)
	}
	// Checks the probe created at run time (one per fleet instance) fail too.
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range t.dynamic {
		r := Result{Component: d.Component, Check: d.Check, Layer: d.Layer, Latent: d.Latent,
			Status: Unknown, Summary: summary, Err: err}
		if status > OK {
			r.Status = status
		}
		if timedOut {
			r.TimedOut = true
			r.Evidence = map[string]any{"probe_timed_out": true, "timeout_ms": t.Timeout.Milliseconds()}
		}
		rs = append(rs, r)
	}
	return rs
}
