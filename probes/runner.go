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
	r, busy := s.beginRun(ctx, t, dl, sl, late)
	if r == nil {
		return busy, returned
	}
	return r.settle(s.runProbe(r.ctx, t))
}

// probeRun is one run of a target's probe, between beginRun and settle.
type probeRun struct {
	s      *Scheduler
	t      *target
	ctx    context.Context // the probe's, ending at its deadline
	cancel context.CancelFunc
	w      *watchdog
	stop   func() bool // the watchdog's AfterFunc
}

// beginRun marks t busy and arms the watchdog for a run that must end by
// dl. When t is still busy from an earlier round it returns no run and the
// results that say so.
func (s *Scheduler) beginRun(ctx context.Context, t *target, dl time.Time, sl *slots, late func()) (*probeRun, []Result) {
	t.mu.Lock()
	if t.busy {
		t.mu.Unlock()
		return nil, s.failAll(t, Unknown, "still running from an earlier round", "probe did not return after its timeout in an earlier round", false)
	}
	t.busy = true
	t.mu.Unlock()

	pctx, cancel := context.WithDeadline(ctx, dl)
	w := &watchdog{s: s, t: t, round: ctx, start: s.opts.Now(), slots: sl, late: late}
	return &probeRun{s: s, t: t, ctx: pctx, cancel: cancel, w: w, stop: context.AfterFunc(pctx, w.arm)}, nil
}

// settle takes the results the probe returned: t is free again, and unless
// the watchdog gave up on the probe first, checks the probe left out past
// its deadline are timed out and every result has its duration.
func (r *probeRun) settle(rs []Result) ([]Result, sampleState) {
	defer r.cancel()
	r.t.mu.Lock() // free before reporting, so the next round may start it again
	r.t.busy = false
	r.t.mu.Unlock()
	if !r.stop() {
		r.w.disarm()
	}
	if !r.w.claimed.CompareAndSwap(false, true) {
		return nil, overran
	}
	if errors.Is(r.ctx.Err(), context.DeadlineExceeded) {
		rs = r.s.fillTimedOut(r.t, rs)
	}
	r.s.setDurations(rs, r.w.start)
	return rs, returned
}

// start takes one target's sample with a probe that can wait without a
// goroutine (Starter): this runner takes the slots and starts the probe,
// and is then free for the next target; the probe's finish settles,
// records and calls j.done. A probe that cannot start so runs here.
func (s *Scheduler) start(ctx context.Context, j job, st Starter) {
	t := j.t
	sl, rs, state := s.acquire(ctx, t, j.due, j.workers)
	if sl == nil {
		if state == returned {
			s.record(t, rs)
		}
		j.done()
		return
	}
	s.markInFlight(t)
	r, busy := s.beginRun(ctx, t, deadline(j.due, t.Timeout, time.Now()), sl, j.done)
	if r == nil {
		sl.free()
		s.record(t, busy)
		j.done()
		return
	}
	var once atomic.Bool
	finish := func(rs []Result) {
		if !once.CompareAndSwap(false, true) {
			return // a probe must call finish once; a second call is ignored
		}
		rs, state := r.settle(rs)
		sl.free()
		if state == returned { // else it overran: the watchdog has recorded it and called done
			s.record(t, rs)
			j.done()
		}
	}
	if !s.startProbe(r.ctx, t, st, finish) {
		finish(s.runProbe(r.ctx, t))
	}
}

// startProbe starts t's probe, turning a panic into a failed result.
func (s *Scheduler) startProbe(ctx context.Context, t *target, st Starter, finish func([]Result)) (started bool) {
	defer func() {
		if p := recover(); p != nil {
			finish(s.failAll(t, Unknown, "probe failed", fmt.Sprintf("probe panicked: %v", p), false))
			started = true
		}
	}()
	return st.Start(ctx, finish)
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
