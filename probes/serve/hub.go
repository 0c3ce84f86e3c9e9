package serve

import (
	"context"
	"sync"

	"github.com/fivelayer/triage/probes"
)

// Feed is where a Hub reads snapshots from and asks for rounds:
// *probes.Scheduler.
type Feed interface {
	Subscribe() <-chan probes.Snapshot
	Snapshot() probes.Snapshot
	Trigger()
}

// Hub is the one reader of the scheduler in `triage serve`. Each completed
// round is graded once, by the Live (its tracker is the one incident every
// screen shows), and only then handed to the subscribers — the SSH
// sessions' screens, which read the tracker and never feed it. Each
// subscriber has a one-slot channel where the newest snapshot replaces an
// unread one, so a screen that stopped reading (a stalled or dead client)
// never slows the hub, the other screens or the scheduler (docs/serve.md).
type Hub struct {
	feed Feed
	live *Live

	mu   sync.Mutex
	subs map[*Sub]struct{}
	last probes.Snapshot
}

// NewHub returns a hub that grades feed's rounds through live.
func NewHub(feed Feed, live *Live) *Hub {
	return &Hub{feed: feed, live: live, subs: map[*Sub]struct{}{}, last: feed.Snapshot()}
}

// Live is the graded state the hub feeds.
func (h *Hub) Live() *Live { return h.live }

// Run reads the feed until ctx ends or the feed closes. It takes the Live's
// place as its feeder: never run both.
func (h *Hub) Run(ctx context.Context) {
	snaps := h.feed.Subscribe()
	lastRound := -1
	for {
		select {
		case <-ctx.Done():
			return
		case snap, ok := <-snaps:
			if !ok {
				return
			}
			// Only a completed round is graded (Live.Run says why); every
			// snapshot still goes to the screens, which mark checks in flight.
			if snap.Round > 0 && snap.Round != lastRound {
				lastRound = snap.Round
				h.live.Apply(snap)
			}
			h.publish(snap)
		}
	}
}

func (h *Hub) publish(snap probes.Snapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = snap
	for s := range h.subs {
		s.offer(snap)
	}
}

// Snapshot is the latest snapshot the hub has handed out.
func (h *Hub) Snapshot() probes.Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Subscribers is how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Subscribe opens a subscription holding the latest snapshot at once.
// Close it when its reader goes away.
func (h *Hub) Subscribe() *Sub {
	s := &Sub{hub: h, ch: make(chan probes.Snapshot, 1)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	s.ch <- h.last
	h.mu.Unlock()
	return s
}

// Sub is one screen's subscription. It is the screen's source: Subscribe
// returns its channel, Trigger asks the scheduler for a round.
type Sub struct {
	hub *Hub
	ch  chan probes.Snapshot
}

// offer puts snap in the slot, dropping an unread older one.
func (s *Sub) offer(snap probes.Snapshot) {
	select {
	case <-s.ch:
	default:
	}
	select {
	case s.ch <- snap:
	default:
	}
}

// Subscribe returns the subscription's channel (the same on every call).
func (s *Sub) Subscribe() <-chan probes.Snapshot { return s.ch }

// Snapshot is the latest snapshot the hub has handed out.
func (s *Sub) Snapshot() probes.Snapshot { return s.hub.Snapshot() }

// Trigger asks the scheduler for a round now.
func (s *Sub) Trigger() { s.hub.feed.Trigger() }

// Close ends the subscription; no snapshot is sent to it afterwards.
func (s *Sub) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
}
