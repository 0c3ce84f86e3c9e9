package record

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// counter changes its value every round: a full entry each frame.
type counter struct{ n atomic.Int64 }

func (c *counter) Checks() []probes.Check {
	return []probes.Check{{Name: "count", Layer: probes.Application, OnTimeout: probes.Unknown}}
}

func (c *counter) Run(context.Context) []probes.Result {
	n := c.n.Add(1)
	st := probes.OK
	if n%7 == 0 {
		st = probes.Crit
	}
	return []probes.Result{{Check: "count", Status: st, Summary: fmt.Sprintf("run %d", n), Value: probes.V(float64(n)),
		Unit: "runs", Evidence: map[string]any{"n": n, "list": []string{"a", "b"}, "nested": map[string]int{"x": 1}}}}
}

// steady gives the same result every round: "same" entries.
type steady struct{}

func (steady) Checks() []probes.Check {
	return []probes.Check{{Name: "cert", Layer: probes.Security, OnTimeout: probes.Unknown, Latent: true}}
}

func (steady) Run(context.Context) []probes.Result {
	return []probes.Result{{Check: "cert", Status: probes.Warn, Summary: "expires in 20 days", Value: probes.V(20), Unit: "days", For: time.Minute}}
}

// gate waits for the test to let it finish, so a snapshot can be taken
// mid-round; on round 2 it overruns its timeout.
type gate struct {
	release chan struct{}
	runs    atomic.Int64
}

func (g *gate) Checks() []probes.Check {
	return []probes.Check{{Name: "connect", Layer: probes.Network, OnTimeout: probes.Crit}}
}

func (g *gate) Run(ctx context.Context) []probes.Result {
	if g.runs.Add(1) == 2 {
		<-ctx.Done()
		return nil
	}
	<-g.release
	return []probes.Result{{Check: "connect", Status: probes.OK, Summary: "ok", Value: probes.V(1)}}
}

// fleet adds a check for a new instance from its third run on.
type fleet struct{ runs atomic.Int64 }

func (f *fleet) Checks() []probes.Check {
	return []probes.Check{{Name: "cpu", Layer: probes.Server, OnTimeout: probes.Unknown}}
}

func (f *fleet) Run(context.Context) []probes.Result {
	n := f.runs.Add(1)
	out := []probes.Result{{Check: "cpu", Status: probes.OK, Summary: "cpu 10%", Value: probes.V(10)}}
	if n >= 3 {
		out = append(out, probes.Result{Component: "node-2", Check: "cpu", Status: probes.Warn, Summary: "cpu 85%", Value: probes.V(85)})
	}
	return out
}

// session runs a scheduler for rounds rounds, recording a mid-round and an
// end-of-round snapshot each time; it returns the file and the snapshots
// that became frames.
func session(t *testing.T, rounds int) ([]byte, []probes.Snapshot, []incident.Event) {
	t.Helper()
	g := &gate{release: make(chan struct{})}
	targets := []probes.Target{
		{Component: "api", ProbeID: "counter", Kind: "counter", Probe: &counter{}},
		{Component: "api", ProbeID: "tls", Kind: "tls", Probe: steady{}},
		{Component: "api", ProbeID: "tcp", Kind: "tcp", Probe: g, Timeout: 300 * time.Millisecond},
		{Component: "fleet", ProbeID: "prometheus", Kind: "prometheus", Probe: &fleet{}},
	}
	s := probes.NewScheduler(targets, probes.Options{HistoryLen: 5, Grace: 5 * time.Millisecond})
	cfg := &config.Config{Estate: "test", Core: []string{"api"}, Source: "test.yaml",
		Components: []config.Component{{Name: "api"}, {Name: "fleet"}}}
	h := NewHeader(cfg, "LIVE", "test", time.Now())
	h.HistoryLen = 5
	var buf bytes.Buffer
	rec, err := NewRecorder(&buf, h, nil)
	require.NoError(t, err)
	var frames []probes.Snapshot
	var events []incident.Event
	frame := func(snap probes.Snapshot) {
		n := buf.Len()
		require.NoError(t, rec.Frame(snap))
		if buf.Len() > n {
			frames = append(frames, snap)
		}
	}
	frame(s.Snapshot())
	ctx := context.Background()
	for r := range rounds {
		done := make(chan struct{})
		go func() { s.Round(ctx); close(done) }()
		deadline := time.Now().Add(2 * time.Second)
		for {
			snap := s.Snapshot()
			c, _ := snap.ByID("api/counter/count")
			if snap.Running && c.Probed && !c.InFlight {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: running=%v round=%d counter=%+v", r, snap.Running, snap.Round, c)
			}
			time.Sleep(time.Millisecond)
		}
		frame(s.Snapshot()) // mid-round: the gate's check is in flight
		if r != 1 {         // on round 2 the gate overruns its timeout by itself
			g.release <- struct{}{}
		}
		<-done
		frame(s.Snapshot())
		frame(s.Snapshot()) // nothing changed: not written
		if r%10 == 0 {
			e := incident.Event{Time: time.Now().UTC(), Kind: incident.Note, Subject: "503-storm", Text: fmt.Sprintf("fault injected: 503 storm (%d)", r)}
			require.NoError(t, rec.Event(e))
			events = append(events, e)
		}
	}
	assert.Zero(t, rec.Redactions())
	return buf.Bytes(), frames, events
}

// comparable turns a snapshot into JSON with every field, evidence included,
// so JSON-decoded evidence compares equal to the original.
func comparable(t *testing.T, s probes.Snapshot) string {
	t.Helper()
	type check struct {
		probes.Result
		Time                       string
		Duration, For              time.Duration
		Latent, TimedOut, Warmup   bool
		Probed, InFlight, StTimOut bool
		History                    []string
	}
	out := struct {
		Time, Started, Finished string
		Round                   int
		Running                 bool
		Checks                  []check
	}{s.Time.UTC().Format(time.RFC3339Nano), s.RoundStarted.UTC().Format(time.RFC3339Nano),
		s.RoundFinished.UTC().Format(time.RFC3339Nano), s.Round, s.Running, nil}
	for _, c := range s.Checks {
		cc := check{Result: c.Result, Time: c.Time.UTC().Format(time.RFC3339Nano), Duration: c.Duration, For: c.For,
			Latent: c.Latent, TimedOut: c.Result.TimedOut, Warmup: c.Warmup, Probed: c.Probed, InFlight: c.InFlight, StTimOut: c.TimedOut}
		for _, h := range c.History {
			cc.History = append(cc.History, fmt.Sprintf("%s %s %g %v", h.Time().UTC().Format(time.RFC3339Nano), h.Status, h.Value, h.HasValue))
		}
		out.Checks = append(out.Checks, cc)
	}
	b, err := json.MarshalIndent(out, "", " ")
	require.NoError(t, err)
	return string(b)
}

func TestRecordReplayRoundTrip(t *testing.T) {
	data, frames, events := session(t, 75)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Greater(t, len(frames), KeyframeEvery, "the session crosses a keyframe")
	assert.Len(t, lines, 1+len(frames)+len(events))
	assert.True(t, strings.Contains(string(data), `"same":true`), "an unchanged check is written compactly")

	sess, err := Read(bytes.NewReader(data), "mem.jsonl")
	require.NoError(t, err)
	assert.Equal(t, len(frames), sess.Frames())
	assert.Equal(t, "test", sess.Header.Estate)
	assert.Equal(t, "test.yaml", sess.Header.ConfigSource)

	st := newState(sess.Header.HistoryLen)
	i := 0
	var got []incident.Event
	for _, it := range sess.items {
		if it.event != nil {
			got = append(got, *it.event)
			continue
		}
		require.NoError(t, st.apply(it.frame))
		require.Equal(t, comparable(t, frames[i]), comparable(t, st.snapshot()), "frame %d", i)
		i++
	}
	require.Len(t, got, len(events))
	for j := range events {
		assert.True(t, events[j].Time.Equal(got[j].Time))
		assert.Equal(t, events[j].Text, got[j].Text)
	}

	// The snapshots went through every path: timeouts, dynamic checks, a
	// sliding history.
	last := frames[len(frames)-1]
	_, ok := last.ByID("node-2/prometheus/cpu")
	assert.True(t, ok)
	c, _ := last.ByID("api/tls/cert")
	assert.Len(t, c.History, 5)
}

func TestPlayerReplaysEverything(t *testing.T) {
	data, frames, events := session(t, 12)
	sess, err := Read(bytes.NewReader(data), "mem.jsonl")
	require.NoError(t, err)
	_, err = NewPlayer(sess, 0)
	require.Error(t, err)
	p, err := NewPlayer(sess, 1000)
	require.NoError(t, err)
	sub := p.Subscribe()
	first := <-sub
	assert.Equal(t, comparable(t, frames[0]), comparable(t, first))
	assert.True(t, p.Now().Equal(sess.Start()))
	p.Trigger() // nothing to probe: no effect

	ctx := context.Background()
	p.Start(ctx)
	p.Start(ctx) // once
	select {
	case <-p.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("replay did not finish")
	}
	assert.Equal(t, comparable(t, frames[len(frames)-1]), comparable(t, p.Snapshot()))
	assert.Equal(t, comparable(t, frames[len(frames)-1]), comparable(t, <-sub), "the subscriber holds the last frame")
	assert.True(t, p.Now().Equal(sess.End()), "the clock stops at the end")
	for _, e := range events {
		got := <-p.Events()
		assert.Equal(t, e.Text, got.Text)
	}
}

func TestPlayerKeepsPace(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	file := strings.Join([]string{
		`{"type":"header","version":1,"estate":"e","history_len":10}`,
		`{"type":"frame","seq":0,"time":"` + t0.Format(time.RFC3339) + `","key":true,"round":0}`,
		`{"type":"event","time":"` + t0.Add(10*time.Second).Format(time.RFC3339) + `","kind":"note","text":"fault injected: 503 storm"}`,
		`{"type":"frame","seq":1,"time":"` + t0.Add(20*time.Second).Format(time.RFC3339) + `","round":1}`,
	}, "\n") + "\n"
	sess, err := Read(strings.NewReader(file), "pace.jsonl")
	require.NoError(t, err)
	// 20 s recorded, played at speed 100: the event is due after 100 ms and
	// the end after 200 ms. Timers never fire early, so those are exact
	// lower bounds; a busy machine only delays them, so the upper bound is
	// the real-time pace the player must beat by far.
	const speed = 100
	p, err := NewPlayer(sess, speed)
	require.NoError(t, err)
	start := time.Now()
	p.Start(context.Background())
	e := <-p.Events()
	assert.Equal(t, "fault injected: 503 storm", e.Text)
	assert.GreaterOrEqual(t, time.Since(start), 10*time.Second/speed, "the event waits for its time at speed 100")
	<-p.Done()
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, 20*time.Second/speed, "the end waits for the last frame")
	assert.Less(t, took, 10*time.Second, "faster than the 20 s recorded")
	assert.Equal(t, 1, p.Snapshot().Round)

	ctx, cancel := context.WithCancel(context.Background())
	p, err = NewPlayer(sess, 0.001)
	require.NoError(t, err)
	p.Start(ctx)
	cancel()
	select {
	case <-p.Done():
	case <-time.After(time.Second):
		t.Fatal("a cancelled replay must stop")
	}
}

// The controls move the recorded clock, not the wall clock: at a pace so
// slow that nothing would play on its own, step and next event play the
// recording item by item, and pause holds the clock.
func TestPlayerControls(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	file := strings.Join([]string{
		`{"type":"header","version":1,"estate":"e","history_len":10}`,
		`{"type":"frame","seq":0,"time":"` + t0.Format(time.RFC3339) + `","key":true,"round":0}`,
		`{"type":"frame","seq":1,"time":"` + t0.Add(10*time.Second).Format(time.RFC3339) + `","round":1}`,
		`{"type":"event","time":"` + t0.Add(20*time.Second).Format(time.RFC3339) + `","kind":"note","text":"fault injected: 503 storm"}`,
		`{"type":"frame","seq":2,"time":"` + t0.Add(30*time.Second).Format(time.RFC3339) + `","round":2}`,
	}, "\n") + "\n"
	sess, err := Read(strings.NewReader(file), "controls.jsonl")
	require.NoError(t, err)
	p, err := NewPlayer(sess, 1e-6)
	require.NoError(t, err)
	sub := p.Subscribe()
	<-sub
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.Start(ctx)

	p.Pause()
	require.True(t, p.Paused())
	at, length := p.Position()
	assert.Equal(t, 30*time.Second, length)
	assert.Less(t, at, time.Second)

	p.Step()
	assert.Equal(t, 1, (<-sub).Round, "step plays the next frame")
	at, _ = p.Position()
	assert.Equal(t, 10*time.Second, at)
	assert.True(t, p.Paused(), "and stays paused there")

	p.NextEvent()
	assert.Equal(t, "fault injected: 503 storm", (<-p.Events()).Text)
	at, _ = p.Position()
	assert.Equal(t, 20*time.Second, at)

	p.Step()
	assert.Equal(t, 2, (<-sub).Round)
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the last item was played: the replay ends")
	}
	assert.True(t, p.Ended())
	p.Resume()
	at, _ = p.Position()
	assert.Equal(t, 30*time.Second, at, "the clock stops at the end")
}
