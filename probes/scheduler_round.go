package probes

import (
	"context"
	"fmt"
	"hash/fnv"
	"runtime"
	"sync"
	"sync/atomic"
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
	period := progressPeriod(len(s.order))
	s.mu.Unlock()
	s.publish()

	workers := make(chan struct{}, s.opts.Workers)
	var pending sync.WaitGroup // targets whose samples are not recorded yet
	done := make(chan struct{})
	stopTicker := make(chan struct{})
	go s.publishWhileRunning(period, stopTicker, done)
	order := s.targets
	if plan.spread {
		order = s.byOffset
	}
	d := s.newDispatcher(ctx)
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
		pending.Add(1)
		d.dispatch(job{t: t, due: due, workers: workers, resample: plan.resample, done: pending.Done})
	}
	d.close()
	pending.Wait()
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

// job is one target's turn in a round.
type job struct {
	t        *target
	due      time.Time
	workers  chan struct{} // the round's pool
	resample time.Duration
	done     func() // called once the target has nothing more to record this round
}

// dispatcher hands a round's jobs to its runners, starting a runner only
// when none is idle: a round needs about as many goroutines as probes wait
// at once (the silent ones), not one per target.
type dispatcher struct {
	s    *Scheduler
	ctx  context.Context
	jobs chan job // unbuffered: a send succeeds only into an idle runner
}

func (s *Scheduler) newDispatcher(ctx context.Context) *dispatcher {
	return &dispatcher{s: s, ctx: ctx, jobs: make(chan job)}
}

func (d *dispatcher) dispatch(j job) {
	select {
	case d.jobs <- j: // a runner that finished its last probe takes it
	default:
		go d.s.runner(d.ctx, j, d.jobs)
		// Let the new runner start its probe: a quick one (refused, or
		// open on a near server) may be done when the next target comes,
		// and its runner takes that one.
		runtime.Gosched()
	}
}

// close ends the round's dispatch: idle runners end, busy ones after their probe.
func (d *dispatcher) close() { close(d.jobs) }

// runner runs j, then each job handed to it, until the round has no more.
// A round's runners are reused: one goroutine per probe running on one, not
// one per target; a probe that waits without a goroutine (Starter) frees
// its runner as soon as it has started.
func (s *Scheduler) runner(ctx context.Context, j job, jobs <-chan job) {
	for ok := true; ok; j, ok = <-jobs {
		s.runOne(ctx, j)
	}
}

// runOne takes one target's sample (two for a resampled rate probe) under
// the address cap and the worker pool, records it, and calls j.done; a
// Starter's sample is recorded by its finish (start).
func (s *Scheduler) runOne(ctx context.Context, j job) {
	t := j.t
	if st, ok := t.Probe.(Starter); ok && (j.resample <= 0 || !t.rate) {
		s.start(ctx, j, st)
		return
	}
	rs, st := s.sample(ctx, t, j.due, j.workers, j.done)
	switch st {
	case notStarted:
		j.done()
		return
	case overran: // the watchdog recorded the timeout and called done
		return
	}
	s.record(t, rs)
	if j.resample <= 0 || !t.rate || timedOut(rs) || !sleepUntil(ctx, time.Now().Add(j.resample)) {
		j.done()
		return
	}
	rs, st = s.sample(ctx, t, time.Now(), j.workers, j.done)
	switch st {
	case overran:
		return
	case returned:
		s.record(t, rs)
	}
	j.done()
}

// sampleState is how a sample ended.
type sampleState int

const (
	returned   sampleState = iota // results to record
	notStarted                    // the round was cancelled before the target could start
	overran                       // the probe outlived its deadline and grace: already recorded as timed out
)

// sample waits for a slot of t's address and of the pool, then runs t,
// which was due to start at due. A probe that finds its address busy for a
// whole timeout is reported unknown (it was not probed, which says nothing
// about the server). late is called when the probe overran (see runTarget).
func (s *Scheduler) sample(ctx context.Context, t *target, due time.Time, workers chan struct{}, late func()) ([]Result, sampleState) {
	sl, rs, st := s.acquire(ctx, t, due, workers)
	if sl == nil {
		return rs, st
	}
	defer sl.free()
	s.markInFlight(t)
	return s.runTarget(ctx, t, deadline(due, t.Timeout, time.Now()), sl, late)
}

// acquire waits for a slot of t's address and of the pool. Without them it
// returns no slots and either notStarted (the round was cancelled) or the
// results that say t was not probed.
func (s *Scheduler) acquire(ctx context.Context, t *target, due time.Time, workers chan struct{}) (*slots, []Result, sampleState) {
	sl := &slots{}
	if t.addr != nil {
		if !s.addressSlot(ctx, t, due) {
			if ctx.Err() != nil {
				return nil, nil, notStarted
			}
			msg := fmt.Sprintf("not probed: %d other probes of %s still running (max_per_address %d)", cap(t.addr), t.Address, cap(t.addr))
			return nil, s.failAll(t, Unknown, msg, msg, false), returned
		}
		sl.addr = t.addr
	}
	select {
	case workers <- struct{}{}:
		sl.pool = workers
	case <-ctx.Done():
		sl.free()
		return nil, nil, notStarted
	}
	return sl, nil, returned
}

// slots are the address and pool slots a probe holds while it runs, given
// back once: when the probe returns, or when the scheduler gives up on it,
// whichever is first.
type slots struct {
	addr, pool chan struct{} // nil: not held
	freed      atomic.Bool
}

func (sl *slots) free() {
	if !sl.freed.CompareAndSwap(false, true) {
		return
	}
	if sl.pool != nil {
		<-sl.pool
	}
	if sl.addr != nil {
		<-sl.addr
	}
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
	for _, id := range t.ids {
		if st, ok := s.states[id]; ok {
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

// publishWhileRunning publishes partial progress during a round, at most
// every period.
func (s *Scheduler) publishWhileRunning(period time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(period)
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

// progressPeriod is how often a round's partial progress is published for
// an estate of n checks: four times a second up to a thousand checks, then
// less often in proportion, down to every 2 s. Each publish copies every
// check's state; at ten thousand checks, four a second through a spread
// round were most of the garbage the process made.
func progressPeriod(n int) time.Duration {
	const base, most = 250 * time.Millisecond, 2 * time.Second
	return min(max(base, base*time.Duration(n)/1000), most)
}
