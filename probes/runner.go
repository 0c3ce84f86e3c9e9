package probes

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// runTarget runs one probe until its deadline (see deadline) and never
// waits much past it.
func (s *Scheduler) runTarget(ctx context.Context, t *target, dl time.Time) []Result {
	t.mu.Lock()
	if t.busy {
		t.mu.Unlock()
		return s.failAll(t, Unknown, "still running from an earlier round", "probe did not return after its timeout in an earlier round", false)
	}
	t.busy = true
	t.mu.Unlock()

	start := s.opts.Now()
	pctx, cancel := context.WithDeadline(ctx, dl)
	out := make(chan []Result, 1)
	go func() {
		defer cancel()
		var rs []Result
		func() {
			defer func() {
				if p := recover(); p != nil {
					rs = s.failAll(t, Unknown, "probe failed", fmt.Sprintf("probe panicked: %v", p), false)
				}
			}()
			rs = t.Probe.Run(pctx)
		}()
		t.mu.Lock() // free before reporting, so the next round may start it again
		t.busy = false
		t.mu.Unlock()
		out <- rs
	}()

	var rs []Result
	select {
	case rs = <-out:
	case <-pctx.Done():
		grace := time.NewTimer(s.opts.Grace)
		select {
		case rs = <-out:
			grace.Stop()
		case <-grace.C:
			msg := fmt.Sprintf("timed out after %s", t.Timeout)
			if ctx.Err() != nil {
				msg = "cancelled"
			}
			rs = s.failAll(t, -1, msg, "probe "+msg, true)
		}
	}
	if errors.Is(pctx.Err(), context.DeadlineExceeded) {
		rs = s.fillTimedOut(t, rs)
	}
	took := s.opts.Now().Sub(start)
	for i := range rs {
		if rs[i].Duration == 0 {
			rs[i].Duration = took
		}
	}
	return rs
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
	for _, c := range t.checks {
		r := s.blank(t, c)
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
