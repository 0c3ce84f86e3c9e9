package record

import (
	"fmt"
	"time"

	"github.com/fivelayer/triage/probes"
)

// state rebuilds full snapshots from frames, the way the scheduler built
// them: results, in-flight marks and each check's history.
type state struct {
	histLen    int
	order      []string
	checks     map[string]*probes.CheckState
	lastSample map[string]time.Time
	meta       frameLine // round state of the last frame (Checks unused)
}

func newState(histLen int) *state {
	if histLen <= 0 {
		histLen = DefaultHistoryLen
	}
	return &state{histLen: histLen, checks: map[string]*probes.CheckState{}, lastSample: map[string]time.Time{}}
}

// apply moves the state to frame f.
func (st *state) apply(f *frameLine) error {
	if f.Key {
		keep := make(map[string]bool, len(f.Checks))
		st.order = st.order[:0:0]
		for _, c := range f.Checks {
			if c.Same || c.Result == nil {
				return fmt.Errorf("keyframe lists check %q without its result", c.ID)
			}
			keep[c.ID] = true
			st.order = append(st.order, c.ID)
		}
		for id := range st.checks {
			if !keep[id] {
				delete(st.checks, id)
				delete(st.lastSample, id)
			}
		}
	}
	switch {
	case !f.Running:
		st.setInFlight(false)
	case !f.RoundStarted.Equal(st.meta.RoundStarted) || !st.meta.Running:
		st.setInFlight(true) // a round began: every check is in flight until its result arrives
	}
	for i := range f.Checks {
		if err := st.applyCheck(&f.Checks[i], f.Key); err != nil {
			return err
		}
	}
	st.meta = frameLine{Time: f.Time, Round: f.Round, RoundStarted: f.RoundStarted, RoundFinished: f.RoundFinished, Running: f.Running}
	return nil
}

func (st *state) setInFlight(v bool) {
	for _, cs := range st.checks {
		cs.InFlight = v
	}
}

func (st *state) applyCheck(cl *checkLine, key bool) error {
	if cl.ID == "" {
		return fmt.Errorf("a check without an id")
	}
	cs, known := st.checks[cl.ID]
	switch {
	case cl.Same && !known:
		return fmt.Errorf("check %q repeated before its result was recorded", cl.ID)
	case cl.Same:
	case cl.Result == nil:
		return fmt.Errorf("check %q has neither a result nor same", cl.ID)
	default:
		res, err := cl.Result.result(cl.ID)
		if err != nil {
			return err
		}
		if !known {
			cs = &probes.CheckState{}
			st.checks[cl.ID] = cs
			if !key {
				st.order = append(st.order, cl.ID)
			}
		}
		cs.Result = res
		cs.Probed = cl.Result.Probed
		cs.TimedOut = res.TimedOut
	}
	cs.Time, cs.Duration, cs.InFlight = cl.Time, cl.Duration, cl.InFlight
	if len(cl.History) > 0 {
		for _, s := range cl.History {
			st.addSample(cl.ID, cs, probes.NewSample(s.Time, s.Status, s.Value))
		}
		return nil
	}
	if last, ok := st.lastSample[cl.ID]; cs.Probed && (!ok || cs.Time.After(last)) {
		st.addSample(cl.ID, cs, impliedSample(cs.Result))
	}
	return nil
}

// addSample appends to a check's history in place: snapshots already handed
// out hold shorter slices of the same array and never see the new element.
func (st *state) addSample(id string, cs *probes.CheckState, s probes.Sample) {
	h := cs.History
	if len(h) >= st.histLen {
		h = h[len(h)-st.histLen+1:]
	}
	cs.History = append(h, s)
	st.lastSample[id] = s.Time()
}

// snapshot is the state as a snapshot value.
func (st *state) snapshot() probes.Snapshot {
	s := probes.Snapshot{Time: st.meta.Time, Round: st.meta.Round, RoundStarted: st.meta.RoundStarted,
		RoundFinished: st.meta.RoundFinished, Running: st.meta.Running, Checks: make([]probes.CheckState, len(st.order))}
	for i, id := range st.order {
		s.Checks[i] = *st.checks[id]
	}
	return s
}

// result turns a recorded result back into a probes.Result.
func (r *resultLine) result(id string) (probes.Result, error) {
	l, err := probes.ParseLayer(r.Layer)
	if err != nil {
		return probes.Result{}, fmt.Errorf("check %q: %w", id, err)
	}
	return probes.Result{ID: id, Component: r.Component, Probe: r.Probe, Check: r.Check, Kind: r.Kind, Impact: r.Impact, Layer: l,
		Status: r.Status, Summary: r.Summary, Value: r.Value, Unit: r.Unit, Evidence: r.Evidence, Err: r.Err,
		Latent: r.Latent, For: r.For, TimedOut: r.TimedOut, Warmup: r.Warmup}, nil
}
