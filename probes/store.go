package probes

// record stores a probe's results, filling what the probe left to the
// scheduler and attributing missing checks.
func (s *Scheduler) record(t *target, rs []Result) {
	now := s.opts.Now()
	// Which of t's own checks got a result (bit i for t.checks[i]); past the
	// 64th (no kind has that many) a check counts as answered.
	var seen uint64
	mark := func(i int) {
		if i < 64 {
			seen |= 1 << i
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	for _, r := range rs {
		ci := t.checkIndex(r.Check)
		var c Check
		if ci >= 0 {
			c = t.checks[ci]
		}
		if r.Component == "" {
			r.Component = t.Component
		}
		// A result of one of t's own checks has its id built already;
		// others (a fleet's instances) are the target's dynamic checks.
		own := ci >= 0 && r.Component == t.Component
		r.Probe, r.Kind = t.ProbeID, t.Kind
		if t.Off[r.Check] {
			continue // switched off in config: never shown, never graded
		}
		if own {
			r.ID = t.ids[ci]
		} else {
			r.ID = r.Component + "/" + r.Probe + "/" + r.Check
		}
		if r.Absent {
			if own {
				mark(ci)
			}
			s.drop(r.ID)
			continue
		}
		if ci >= 0 {
			r.Layer, r.Latent = c.Layer, r.Latent || c.Latent
		}
		r.Impact = ImpactOf(c, r)
		if r.Time.IsZero() {
			r.Time = now
		}
		if r.Status < OK || r.Status > Unknown {
			r.Status = Unknown
		}
		if own {
			mark(ci)
		} else {
			if t.dynamic == nil {
				t.dynamic = map[string]Result{}
			}
			t.dynamic[r.ID] = Result{Component: r.Component, Check: r.Check, Layer: r.Layer, Latent: r.Latent, Kind: r.Kind}
		}
		s.store(r)
	}
	for i := range t.checks {
		if i < 64 && seen&(1<<i) == 0 {
			b := s.blank(t, i)
			b.Summary, b.Err, b.Time = "no result", "probe returned no result for this check", now
			s.store(b)
		}
	}
}

// checkIndex is the index of t's check named name, or -1.
func (t *target) checkIndex(name string) int {
	for i, c := range t.checks {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// drop forgets a check the target does not expose.
func (s *Scheduler) drop(id string) {
	if _, ok := s.states[id]; !ok {
		return
	}
	delete(s.states, id)
	for i, o := range s.order {
		if o == id {
			s.order = append(s.order[:i:i], s.order[i+1:]...)
			break
		}
	}
}

func (s *Scheduler) store(r Result) {
	st, ok := s.states[r.ID]
	if !ok {
		st = s.addState(r)
	}
	buf := appendSample(st.buf, NewSample(r.Time, r.Status, r.Value), s.opts.HistoryLen)
	*st = CheckState{Result: r, Probed: true, TimedOut: r.TimedOut, History: buf[:len(buf):len(buf)], buf: buf}
}

// appendSample returns buf with smp added and at most n samples, oldest
// first. Snapshots share history slices, so a sample is only ever written
// past the end of every slice handed out (those are cut to their length as
// their capacity); the backing array holds n plus an eighth of slack. When the
// slack is used up, the newest n-1 samples move to a fresh array. That is
// about 8 samples copied per append instead of n, and at most n·9/8 samples
// (32 bytes each) kept per check; a young history grows by doubling.
func appendSample(buf []Sample, smp Sample, n int) []Sample {
	if len(buf) == cap(buf) {
		keep := buf[max(0, len(buf)-n+1):]
		// Grow as a slice does until the bound: a check probed a few times
		// (or ten thousand of them) does not hold n samples' room at once.
		nb := make([]Sample, len(keep), max(min(2*len(keep), n+max(n/8, 1)), len(keep)+1, 4))
		copy(nb, keep)
		return append(nb, smp)
	}
	if len(buf) >= n {
		buf = buf[len(buf)-n+1:]
	}
	return append(buf, smp)
}
