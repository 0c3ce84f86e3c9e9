package serve_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/serve"
)

// feed is a scheduler stand-in: the test sends its snapshots.
type feed struct {
	ch       chan probes.Snapshot
	triggers atomic.Int32
}

func (f *feed) Subscribe() <-chan probes.Snapshot { return f.ch }
func (f *feed) Snapshot() probes.Snapshot         { return probes.Snapshot{} }
func (f *feed) Trigger()                          { f.triggers.Add(1) }

func TestHubGradesOnceThenHandsOut(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	topo := incident.NewTopology([]incident.Node{{Name: "api", Core: true}})
	tracker := incident.NewTracker(topo)
	f := &feed{ch: make(chan probes.Snapshot)}
	hub := serve.NewHub(f, serve.NewLive("shop", tracker, func() time.Time { return t0 }))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); hub.Run(ctx) }()

	reader, dead := hub.Subscribe(), hub.Subscribe() // dead never reads
	defer reader.Close()
	<-reader.Subscribe() // the state at subscription

	crit := result("api", "tcp", "connect", probes.Network, probes.Crit, probes.UserFacing)
	const rounds = 50
	for i := 1; i <= rounds; i++ {
		select { // the hub takes every snapshot although one subscriber never reads
		case f.ch <- snapshot(i, t0, crit):
		case <-time.After(grace.Scale(30 * time.Second)): // a hang, not a timing
			t.Fatalf("round %d: the hub blocked on a subscriber that does not read", i)
		}
		got := <-reader.Subscribe()
		// The tracker was fed before the screen got the snapshot.
		require.Equal(t, i, hub.Live().Current().Round)
		assert.Equal(t, i, got.Round)
		assert.Equal(t, incident.Red, tracker.Last().Grade)
	}
	assert.Len(t, tracker.Timeline(), 1, "graded once per round: one grade change, no repeats")

	// A round still running is handed out but not graded again.
	running := snapshot(rounds, t0, crit)
	running.Running = true
	f.ch <- running
	got := <-reader.Subscribe()
	assert.True(t, got.Running)
	assert.Equal(t, rounds, hub.Live().Current().Round)

	// The dead subscriber holds only the newest snapshot (the hub may still
	// be offering it: the reader can get its copy first); closing it stops
	// delivery.
	last := <-dead.Subscribe()
	if !last.Running {
		select {
		case last = <-dead.Subscribe():
		case <-time.After(grace.Scale(30 * time.Second)): // a hang, not a timing
		}
	}
	assert.True(t, last.Running)
	assert.Equal(t, rounds, last.Round, "nothing older than the newest round waited in the slot")
	dead.Close()
	assert.Equal(t, 1, hub.Subscribers())

	reader.Trigger()
	assert.EqualValues(t, 1, f.triggers.Load())
	cancel()
	<-done
}
