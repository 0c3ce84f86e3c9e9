package probes

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"
)

// roundPlan says how one round runs.
type roundPlan struct {
	// spread starts each target at its own offset into the interval instead
	// of all at once, as Prometheus offsets its scrapes.
	spread bool
	// resample, when positive, runs the targets that yield a rate check a
	// second time, this long after their first sample returned.
	resample time.Duration
}

// Round runs every target once, all starting at once, and returns the
// snapshot at its end. Rounds do not overlap; a probe that is still running
// from an earlier round (it ignored its context) is reported unknown instead
// of being started again.
func (s *Scheduler) Round(ctx context.Context) Snapshot {
	return s.run(ctx, roundPlan{})
}

// RoundResampled is Round in which every probe with a rate check takes a
// second sample window after its first returned, while the rest of the
// round runs: a one-shot `triage check` measures rates without running the
// whole round twice.
func (s *Scheduler) RoundResampled(ctx context.Context, window time.Duration) Snapshot {
	return s.run(ctx, roundPlan{resample: window})
}

func (s *Scheduler) run(ctx context.Context, plan roundPlan) Snapshot {
	s.roundMu.Lock()
	defer s.roundMu.Unlock()

	s.mu.Lock()
	s.running = true
	s.started = s.opts.Now()
	s.version++
	s.mu.Unlock()
	s.publish()

	workers := make(chan struct{}, s.opts.Workers)
	var wg sync.WaitGroup
	done := make(chan struct{})
	stopTicker := make(chan struct{})
	go s.publishWhileRunning(stopTicker, done)
	order := s.targets
	if plan.spread {
		order = s.byOffset
	}
	start := time.Now()
	for _, t := range order {
		due := start
		if plan.spread {
			due = start.Add(t.offset)
			if !sleepUntil(ctx, due) {
				break
			}
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(t *target) {
			defer wg.Done()
			s.runOne(ctx, t, due, workers, plan.resample)
		}(t)
	}
	wg.Wait()
	close(stopTicker)
	<-done

	s.mu.Lock()
	s.running = false
	s.ended = s.opts.Now()
	s.round++
	for _, st := range s.states {
		st.InFlight, st.Since = false, time.Time{}
	}
	s.version++
	s.mu.Unlock()
	s.publish()
	return s.Snapshot()
}

// runOne takes one target's sample (two for a resampled rate probe) under
// the address cap and the worker pool.
func (s *Scheduler) runOne(ctx context.Context, t *target, due time.Time, workers chan struct{}, resample time.Duration) {
	rs, ok := s.sample(ctx, t, due, workers)
	if !ok {
		return
	}
	s.record(t, rs)
	if resample <= 0 || !t.rate || timedOut(rs) {
		return
	}
	if !sleepUntil(ctx, time.Now().Add(resample)) {
		return
	}
	if rs, ok = s.sample(ctx, t, time.Now(), workers); ok {
		s.record(t, rs)
	}
}

// sample waits for a slot of t's address and of the pool, then runs t,
// which was due to start at due. A probe that finds its address busy for a
// whole timeout is reported unknown (it was not probed, which says nothing
// about the server); false means the round was cancelled before t could start.
func (s *Scheduler) sample(ctx context.Context, t *target, due time.Time, workers chan struct{}) ([]Result, bool) {
	if t.addr != nil {
		if !s.addressSlot(ctx, t, due) {
			if ctx.Err() != nil {
				return nil, false
			}
			msg := fmt.Sprintf("not probed: %d other probes of %s still running (max_per_address %d)", cap(t.addr), t.Address, cap(t.addr))
			return s.failAll(t, Unknown, msg, msg, false), true
		}
		defer func() { <-t.addr }()
	}
	select {
	case workers <- struct{}{}:
	case <-ctx.Done():
		return nil, false
	}
	defer func() { <-workers }()
	s.markInFlight(t)
	return s.runTarget(ctx, t, deadline(due, t.Timeout, time.Now())), true
}

// deadline is when a probe due at due and starting at now must end: its
// timeout after it was due, so that a round of ten thousand probes, whose
// last ones start late on a busy machine, still ends one timeout after it
// began; but never less than half the timeout after its own start, so that
// a late probe is not judged on a sliver of time.
func deadline(due time.Time, timeout time.Duration, now time.Time) time.Time {
	dl := due.Add(timeout)
	if floor := now.Add(timeout / 2); dl.Before(floor) {
		return floor
	}
	return dl
}

// addressSlot takes one of t's address slots, waiting at most until t's
// timeout after it was due; a free slot is taken even when t starts late.
func (s *Scheduler) addressSlot(ctx context.Context, t *target, due time.Time) bool {
	select {
	case t.addr <- struct{}{}:
		return true
	default:
	}
	wait := time.NewTimer(time.Until(due.Add(t.Timeout)))
	defer wait.Stop()
	select {
	case t.addr <- struct{}{}:
		return true
	case <-ctx.Done():
	case <-wait.C:
	}
	return false
}

// markInFlight marks t's checks as running from now.
func (s *Scheduler) markInFlight(t *target) {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range t.checks {
		if st, ok := s.states[t.Component+"/"+t.ProbeID+"/"+c.Name]; ok {
			st.InFlight, st.Since = true, now
		}
	}
	for id := range t.dynamic {
		if st, ok := s.states[id]; ok {
			st.InFlight, st.Since = true, now
		}
	}
	s.version++
}

func timedOut(rs []Result) bool {
	for _, r := range rs {
		if r.TimedOut {
			return true
		}
	}
	return false
}

// sleepUntil waits until at, or returns false when ctx ends first.
func sleepUntil(ctx context.Context, at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// spreadOffset is where in a spread round t starts: a stable fraction of
// window taken from a hash of the target, so that a target keeps its phase
// from round to round and across restarts while the estate's probes are
// spread evenly. window is the interval less the timeout (a probe still
// ends before the next round); none is left when the timeout fills the
// interval, and then every probe starts at once.
func spreadOffset(t Target, window time.Duration) time.Duration {
	if window <= 0 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(t.Component + "/" + t.ProbeID + "/" + t.Address))
	// The top 53 bits make an exact float64 fraction in [0, 1).
	frac := float64(h.Sum64()>>11) / (1 << 53)
	return time.Duration(frac * float64(window))
}

// publishWhileRunning publishes partial progress at most 4 times a second.
func (s *Scheduler) publishWhileRunning(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			s.publish()
		}
	}
}
