package probes

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// Target is one probe instance placed in the estate.
type Target struct {
	Component string
	ProbeID   string // the probe's name within its component (Spec.ProbeID)
	Kind      string
	Probe     Probe
	Timeout   time.Duration
	// Off lists checks switched off in config (`checks: {name: off}`): they
	// are not shown and never grade.
	Off map[string]bool
	// Address is the host:port the probe talks to ("" for local probes):
	// probes of one address share its concurrency cap (Options.MaxPerAddress).
	Address string
}

// Options tunes a Scheduler. Zero values take the defaults noted.
type Options struct {
	Interval time.Duration // between round starts; default 5s
	// Workers is how many probes run at once; default: as many as the
	// file-descriptor limit allows (DefaultWorkers), at most one per target.
	Workers int
	// MaxPerAddress is how many probes of one Target.Address run at once;
	// default DefaultMaxPerAddress. A small server with a short listen
	// backlog must not fail because triage opened a hundred connections to
	// it in the same millisecond.
	MaxPerAddress int
	HistoryLen    int              // samples kept per check; default 120
	Grace         time.Duration    // wait past a timeout for a probe to return; default 100ms
	Now           func() time.Time // clock, for tests
}

// DefaultMaxPerAddress is the default of Options.MaxPerAddress: below the
// listen backlog of the smallest servers (5 is common) so that a round never
// overflows one.
const DefaultMaxPerAddress = 4

// Sample is one point of a check's history. It is kept compact and free of
// pointers (32 bytes, never scanned by the collector): an estate of ten
// thousand checks holds over a million of them.
type Sample struct {
	At       int64 // when, in Unix nanoseconds (0: unknown); see Time
	Value    float64
	Status   Status
	HasValue bool
}

// NewSample is the sample of a result taken at t with status st and value v
// (nil: none).
func NewSample(t time.Time, st Status, v *float64) Sample {
	s := Sample{Status: st}
	if !t.IsZero() {
		s.At = t.UnixNano()
	}
	if v != nil {
		s.Value, s.HasValue = *v, true
	}
	return s
}

// Time is when the sample was taken (the zero time when unknown).
func (s Sample) Time() time.Time {
	if s.At == 0 {
		return time.Time{}
	}
	return time.Unix(0, s.At)
}

// CheckState is what a snapshot knows about one check.
type CheckState struct {
	Result
	Probed   bool      // a result has arrived at least once (else it is "probing…")
	InFlight bool      // its probe is running now
	Since    time.Time // when the running probe started (zero when not in flight)
	TimedOut bool      // the last result was a timeout
	// History is oldest first, shared between snapshots: never modify it.
	History []Sample
	buf     []Sample // History with the spare capacity the scheduler appends into
}

// Snapshot is the estate as known at one moment. Snapshots are values: a
// subscriber may keep one while the scheduler moves on.
type Snapshot struct {
	Time          time.Time // when this snapshot was taken
	Round         int       // rounds completed
	RoundStarted  time.Time // start of the latest round (zero before the first)
	RoundFinished time.Time // end of the latest completed round
	Running       bool      // a round is in progress
	// Version changes whenever anything in the snapshot but Time does: a
	// reader that has drawn version v has nothing new to draw for v.
	Version uint64
	Checks  []CheckState
}

// ByID returns the state of check id.
func (s Snapshot) ByID(id string) (CheckState, bool) {
	for _, c := range s.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return CheckState{}, false
}

// Results returns the latest result of every check that has one.
func (s Snapshot) Results() []Result {
	out := make([]Result, 0, len(s.Checks))
	for _, c := range s.Checks {
		if c.Probed {
			out = append(out, c.Result)
		}
	}
	return out
}

type target struct {
	Target
	checks  []Check
	ids     []string          // check ids of checks, built once
	dynamic map[string]Result // results beyond checks (fleet instances), by id; guarded by Scheduler.mu
	mu      sync.Mutex
	busy    bool // a Run from an earlier round has not returned yet

	offset time.Duration // start within a spread round (spreadOffset)
	rate   bool          // yields a rate check: sampled twice by RoundResampled
	addr   chan struct{} // the address's concurrency slots; nil: no cap
}

// Scheduler runs every target once per round, concurrently under a bounded
// worker pool, each under its own timeout, and publishes snapshots.
type Scheduler struct {
	opts    Options
	targets []*target

	mu      sync.Mutex
	order   []string               // check ids in display order
	states  map[string]*CheckState // by check id
	round   int
	started time.Time
	ended   time.Time
	running bool
	subs    []chan Snapshot

	version   uint64 // bumped on every change (Snapshot.Version)
	published uint64 // version of the last snapshot published

	byOffset []*target     // targets in the order a spread round starts them
	roundMu  sync.Mutex    // one round at a time
	trigger  chan struct{} // "run a round now"
}

// NewScheduler prepares a scheduler; nothing runs until Start or Round.
func NewScheduler(targets []Target, opts Options) *Scheduler {
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers(len(targets))
	}
	if opts.MaxPerAddress <= 0 {
		opts.MaxPerAddress = DefaultMaxPerAddress
	}
	if opts.HistoryLen <= 0 {
		opts.HistoryLen = 120
	}
	if opts.Grace <= 0 {
		opts.Grace = 100 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Scheduler{opts: opts, states: make(map[string]*CheckState, len(targets)), trigger: make(chan struct{}, 1),
		version: 1} // the state before any round is a version nobody was sent yet
	slots := map[string]chan struct{}{}
	for _, t := range targets {
		if t.Timeout <= 0 {
			t.Timeout = 3 * time.Second
		}
		tg := &target{Target: t}
		for _, c := range t.Probe.Checks() {
			if !t.Off[c.Name] {
				tg.checks = append(tg.checks, c)
				tg.ids = append(tg.ids, t.Component+"/"+t.ProbeID+"/"+c.Name)
			}
		}
		tg.rate = slices.ContainsFunc(tg.checks, func(c Check) bool { return c.Rate })
		tg.offset = spreadOffset(t, opts.Interval-t.Timeout-opts.Grace)
		if t.Address != "" {
			if slots[t.Address] == nil {
				slots[t.Address] = make(chan struct{}, opts.MaxPerAddress)
			}
			tg.addr = slots[t.Address]
		}
		s.targets = append(s.targets, tg)
		for i := range tg.checks {
			r := s.blank(tg, i)
			r.Summary = "probing…"
			s.addState(r)
		}
	}
	s.byOffset = slices.Clone(s.targets)
	slices.SortStableFunc(s.byOffset, func(a, b *target) int { return cmp.Compare(a.offset, b.offset) })
	return s
}

// blank is the i-th check of t without a result.
func (s *Scheduler) blank(t *target, i int) Result {
	c := t.checks[i]
	return Result{
		ID:        t.ids[i],
		Component: t.Component, Probe: t.ProbeID, Check: c.Name, Kind: t.Kind,
		Layer: c.Layer, Status: Unknown, Latent: c.Latent,
	}
}

func (s *Scheduler) addState(r Result) *CheckState {
	st := &CheckState{Result: r}
	s.states[r.ID] = st
	s.order = append(s.order, r.ID)
	return st
}

// Interval is the time between round starts.
func (s *Scheduler) Interval() time.Duration { return s.opts.Interval }

// Subscribe returns a channel that always holds the newest snapshot not yet
// read: a slow reader skips snapshots, it never blocks the scheduler.
func (s *Scheduler) Subscribe() <-chan Snapshot {
	ch := make(chan Snapshot, 1)
	s.mu.Lock()
	s.subs = append(s.subs, ch)
	snap := s.snapshotLocked()
	s.mu.Unlock()
	ch <- snap
	return ch
}

// Snapshot returns the current state.
func (s *Scheduler) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Scheduler) snapshotLocked() Snapshot {
	snap := Snapshot{
		Time: s.opts.Now(), Round: s.round, RoundStarted: s.started,
		RoundFinished: s.ended, Running: s.running, Version: s.version,
		Checks: make([]CheckState, len(s.order)),
	}
	for i, id := range s.order {
		snap.Checks[i] = *s.states[id]
	}
	return snap
}

// publish sends the current snapshot to every subscriber, unless nothing
// changed since the last one: an idle estate costs its readers nothing.
func (s *Scheduler) publish() {
	s.mu.Lock()
	if len(s.subs) == 0 || s.published == s.version {
		s.mu.Unlock()
		return
	}
	s.published = s.version
	snap := s.snapshotLocked()
	subs := s.subs
	s.mu.Unlock()
	for _, ch := range subs {
		select { // drop the unread older snapshot: latest wins
		case <-ch:
		default:
		}
		select {
		case ch <- snap:
		default:
		}
	}
}

// Trigger asks the running loop for a round now ("r" on the screen).
func (s *Scheduler) Trigger() {
	select {
	case s.trigger <- struct{}{}:
	default:
	}
}

// Start runs rounds every interval until ctx is done. It returns at once.
func (s *Scheduler) Start(ctx context.Context) {
	go func() {
		tick := time.NewTicker(s.opts.Interval)
		defer tick.Stop()
		spread := false // the first round, and one asked for, start at once
		for n := 1; ; n++ {
			s.run(ctx, roundPlan{spread: spread})
			spread = true
			switch {
			case n == 1 && s.hasRateChecks():
				// Rates need two samples: take the second soon, not an interval later.
				tick.Reset(min(s.opts.Interval, time.Second))
				spread = false
			case n == 2:
				tick.Reset(s.opts.Interval)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-s.trigger:
				tick.Reset(s.opts.Interval)
				spread = false
			}
		}
	}()
}

func (s *Scheduler) hasRateChecks() bool {
	return slices.ContainsFunc(s.targets, func(t *target) bool { return t.rate })
}

// Close closes probes that hold connections.
func (s *Scheduler) Close() {
	for _, t := range s.targets {
		if c, ok := t.Probe.(Closer); ok {
			_ = c.Close()
		}
	}
}
