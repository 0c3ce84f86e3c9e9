package record

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// Player replays a session at its recorded pace times speed. It feeds a
// screen the way *probes.Scheduler does (Subscribe, Snapshot, Trigger), and
// its Now is the recorded time being replayed, so the screen's clock, ages
// and SLA countdown read as they did during the incident.
type Player struct {
	sess   *Session
	speed  float64
	first  int       // index of the first item Start plays
	base   time.Time // recorded time at which playback starts
	events chan incident.Event
	done   chan struct{}

	mu      sync.Mutex
	st      *state
	cur     probes.Snapshot
	subs    []chan probes.Snapshot
	wall    time.Time // when Start was called; zero before
	started bool
}

// NewPlayer prepares s for replay at speed (1 is real time). The player
// starts on the session's first frame; Start plays the rest.
func NewPlayer(s *Session, speed float64) (*Player, error) {
	if speed <= 0 {
		return nil, fmt.Errorf("replay: speed %g: want a positive number such as 1, 2 or 10", speed)
	}
	n := 0
	for _, it := range s.items {
		if it.event != nil {
			n++
		}
	}
	p := &Player{sess: s, speed: speed, st: newState(s.Header.HistoryLen),
		events: make(chan incident.Event, n), done: make(chan struct{})}
	for i, it := range s.items {
		if it.event != nil {
			p.events <- *it.event // events before the first frame are shown at once
			continue
		}
		_ = p.st.apply(it.frame) // Read applied every frame already: it cannot fail
		p.cur = p.st.snapshot()
		p.first, p.base = i+1, it.time
		break
	}
	return p, nil
}

// Subscribe returns a channel that always holds the newest snapshot not yet
// read, as the scheduler's does.
func (p *Player) Subscribe() <-chan probes.Snapshot {
	ch := make(chan probes.Snapshot, 1)
	p.mu.Lock()
	p.subs = append(p.subs, ch)
	ch <- p.cur
	p.mu.Unlock()
	return ch
}

// Snapshot is the snapshot replayed last.
func (p *Player) Snapshot() probes.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur
}

// Trigger does nothing: a replay probes nothing.
func (p *Player) Trigger() {}

// Events delivers the recorded events (fault toggles, actions) at their
// time. It is buffered for every event of the session: the player never
// waits for its reader.
func (p *Player) Events() <-chan incident.Event { return p.events }

// Done is closed when the last item has been replayed or Start's ctx ended.
func (p *Player) Done() <-chan struct{} { return p.done }

// Now is the recorded time being replayed: the first frame's time before
// Start, then advancing at speed, and stopping at the session's end.
func (p *Player) Now() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wall.IsZero() {
		return p.base
	}
	t := p.base.Add(time.Duration(float64(time.Since(p.wall)) * p.speed))
	if end := p.sess.End(); t.After(end) && !end.Before(p.base) {
		return end
	}
	return t
}

// Start plays the session in a goroutine until its end or ctx is done. A
// second call does nothing.
func (p *Player) Start(ctx context.Context) {
	p.mu.Lock()
	if p.started {
		p.mu.Unlock()
		return
	}
	p.started, p.wall = true, time.Now()
	wall := p.wall
	p.mu.Unlock()
	go func() {
		defer close(p.done)
		items := p.sess.items
		for i := p.first; i < len(items); i++ {
			it := items[i]
			due := wall.Add(time.Duration(float64(it.time.Sub(p.base)) / p.speed))
			if !p.wait(ctx, due) {
				return
			}
			if it.event != nil {
				p.events <- *it.event
				continue
			}
			p.publish(it.frame)
		}
	}()
}

// wait sleeps until due; false when ctx ended first.
func (p *Player) wait(ctx context.Context, due time.Time) bool {
	d := time.Until(due)
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// publish applies f and hands the snapshot to every subscriber, dropping an
// unread older one: latest wins.
func (p *Player) publish(f *frameLine) {
	p.mu.Lock()
	_ = p.st.apply(f)
	snap := p.st.snapshot()
	p.cur = snap
	subs := p.subs
	p.mu.Unlock()
	for _, ch := range subs {
		select {
		case <-ch:
		default:
		}
		select {
		case ch <- snap:
		default:
		}
	}
}
