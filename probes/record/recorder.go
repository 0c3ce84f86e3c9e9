package record

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// DefaultHistoryLen is the scheduler's default history length, written in
// the header when the caller does not say.
const DefaultHistoryLen = 120

// NewHeader describes a session of cfg starting at started. mode is the
// screen's mode word (LIVE, LAB); version the program's.
func NewHeader(cfg *config.Config, mode, version string, started time.Time) Header {
	h := Header{Type: typeHeader, Version: Version, Estate: cfg.Estate, ConfigSource: cfg.Source,
		Started: started, Mode: mode, Triage: version, IntervalMS: cfg.IntervalD().Milliseconds(),
		HistoryLen: DefaultHistoryLen}
	h.Config = Estate{Estate: cfg.Estate, Environment: cfg.Environment, Core: cfg.Core}
	for _, c := range cfg.Components {
		rc := Component{Name: c.Name, Knowledge: Knowledge{DependsOn: c.Knowledge.DependsOn}}
		for _, a := range c.Knowledge.Advice {
			rc.Knowledge.Advice = append(rc.Knowledge.Advice, Advice(a))
		}
		for _, i := range c.Knowledge.Incidents {
			rc.Knowledge.Incidents = append(rc.Knowledge.Incidents, Incident(i))
		}
		for _, p := range c.Probes {
			rc.Probes = append(rc.Probes, Probe{Kind: p.Kind, ID: p.ID})
		}
		rc.Actions = c.Actions.Sections()
		if sw := c.Actions.Switchover; sw != nil {
			rc.Standby = sw.Standby
		}
		h.Config.Components = append(h.Config.Components, rc)
	}
	return h
}

// Recorder writes a session as JSONL: the header, then every snapshot it is
// given as a compact frame, and events. Each line is written whole with one
// write, so a crash leaves at most a truncated last line. It is safe for
// concurrent use (frames from the scheduler, events from the screen).
type Recorder struct {
	mu        sync.Mutex
	w         io.Writer
	c         io.Closer
	secrets   []string
	seq       int
	last      map[string]*lastCheck
	err       error
	redacts   int
	lastFrame frameLine
}

// lastCheck is what the previous frame wrote of a check.
type lastCheck struct {
	raw      string // its result's encoding
	time     time.Time
	duration time.Duration
	sample   time.Time // newest history sample written
}

// Create writes a new recording to path (truncating it), starting with h.
// secrets are strings that must never appear in it (see SecretsOf).
func Create(path string, h Header, secrets []string) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r, err := NewRecorder(f, h, secrets)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r.c = f
	return r, nil
}

// NewRecorder writes h to w and returns a recorder writing to it.
func NewRecorder(w io.Writer, h Header, secrets []string) (*Recorder, error) {
	r := &Recorder{w: w, last: map[string]*lastCheck{}}
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			r.secrets = append(r.secrets, s)
		}
	}
	h.Type, h.Version = typeHeader, Version
	if h.HistoryLen <= 0 {
		h.HistoryLen = DefaultHistoryLen
	}
	if err := r.writeLine(h); err != nil {
		return nil, err
	}
	return r, nil
}

// Frame records a snapshot: the checks that changed since the last frame,
// or every check in a keyframe. A snapshot that changed nothing is skipped.
func (r *Recorder) Frame(s probes.Snapshot) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	key := r.seq%KeyframeEvery == 0
	f := frameLine{Type: typeFrame, Seq: r.seq, Time: s.Time, Key: key, Round: s.Round,
		RoundStarted: s.RoundStarted, RoundFinished: s.RoundFinished, Running: s.Running}
	for _, c := range s.Checks {
		cl, err := r.check(c, key)
		if err != nil {
			r.err = err
			return err
		}
		if cl != nil {
			f.Checks = append(f.Checks, *cl)
		}
	}
	if !key && len(f.Checks) == 0 && r.sameRound(f) {
		return nil
	}
	if err := r.writeLine(f); err != nil {
		r.err = err
		return err
	}
	r.seq++
	r.lastFrame = f
	return nil
}

// sameRound reports whether f's round state equals the last frame's.
func (r *Recorder) sameRound(f frameLine) bool {
	l := r.lastFrame
	return l.Round == f.Round && l.Running == f.Running && l.RoundStarted.Equal(f.RoundStarted) && l.RoundFinished.Equal(f.RoundFinished)
}

// check returns what a frame writes of c, or nil when nothing changed.
func (r *Recorder) check(c probes.CheckState, key bool) (*checkLine, error) {
	res := resultLine{Component: c.Component, Probe: c.Probe, Check: c.Check, Kind: c.Kind, Impact: c.Impact, Layer: c.Layer.String(),
		Status: c.Status, Summary: c.Summary, Value: c.Value, Unit: c.Unit, Evidence: c.Evidence, Err: c.Err,
		Latent: c.Latent, For: c.For, TimedOut: c.TimedOut, Warmup: c.Warmup, Probed: c.Probed}
	raw, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("record: check %s: %w", c.ID, err)
	}
	prev := r.last[c.ID]
	cl := &checkLine{ID: c.ID, Time: c.Time, Duration: c.Duration, InFlight: c.InFlight}
	switch {
	case key || prev == nil || prev.raw != string(raw):
		cl.Result = &res
	case !prev.time.Equal(c.Time) || prev.duration != c.Duration:
		cl.Same = true
	default:
		return nil, nil
	}
	var since time.Time
	if prev != nil {
		since = prev.sample
	}
	cl.History = newSamples(c, since)
	newest := since
	if n := len(c.History); n > 0 {
		newest = c.History[n-1].Time()
	}
	r.last[c.ID] = &lastCheck{raw: string(raw), time: c.Time, duration: c.Duration, sample: newest}
	return cl, nil
}

// newSamples are c's history samples after since, or nil when they are just
// the one sample its current result implies (the usual case).
func newSamples(c probes.CheckState, since time.Time) []sampleLine {
	i := len(c.History)
	for i > 0 && c.History[i-1].Time().After(since) {
		i--
	}
	added := c.History[i:]
	if len(added) == 0 {
		return nil
	}
	if len(added) == 1 && added[0] == impliedSample(c.Result) {
		return nil
	}
	out := make([]sampleLine, len(added))
	for j, s := range added {
		out[j] = sampleLine{Time: s.Time(), Status: s.Status}
		if s.HasValue {
			out[j].Value = probes.V(s.Value)
		}
	}
	return out
}

// impliedSample is the history sample the scheduler stores with r.
func impliedSample(r probes.Result) probes.Sample {
	return probes.NewSample(r.Time, r.Status, r.Value)
}

// Event records a timeline event from outside the probes.
func (r *Recorder) Event(e incident.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	if err := r.writeLine(eventLine{Type: typeEvent, Event: e}); err != nil {
		r.err = err
		return err
	}
	return nil
}

// Follow records every snapshot from sub until ctx is done or a write fails.
func (r *Recorder) Follow(ctx context.Context, sub <-chan probes.Snapshot) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-sub:
			if err := r.Frame(s); err != nil {
				return err
			}
		}
	}
}

// Redactions is how many lines had a secret removed before being written.
// Snapshots carry no secrets, so anything but 0 is a bug elsewhere.
func (r *Recorder) Redactions() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.redacts
}

// Close closes the file Create opened.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.c == nil {
		return nil
	}
	err := r.c.Close()
	r.c = nil
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// writeLine encodes v, removes secrets and writes it as one line.
func (r *Recorder) writeLine(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("record: encode: %w", err)
	}
	if red, n := redact(b, r.secrets); n > 0 {
		b = red
		r.redacts++
	}
	if _, err := r.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("record: write: %w", err)
	}
	return nil
}
