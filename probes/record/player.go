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
	wall    time.Time // wall time at which the recorded time was at; zero before Start
	at      time.Time // recorded time at wall (the replay clock's reference point)
	paused  bool
	next    int           // index of the next item to play
	wake    chan struct{} // a control changed the clock: the player re-plans
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
		events: make(chan incident.Event, n), done: make(chan struct{}), wake: make(chan struct{}, 1)}
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
	p.at, p.next = p.base, p.first
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
// Start, then advancing at speed (standing still while paused), and
// stopping at the session's end.
func (p *Player) Now() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nowLocked()
}

func (p *Player) nowLocked() time.Time {
	if p.wall.IsZero() || p.paused {
		return p.at
	}
	t := p.at.Add(time.Duration(float64(time.Since(p.wall)) * p.speed))
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
	p.mu.Unlock()
	go func() {
		defer close(p.done)
		for {
			it, due, ok := p.due()
			if !ok {
				return
			}
			if due != 0 { // not yet due: wait for its time or a control, then plan again
				p.wait(ctx, due)
				if ctx.Err() != nil {
					return
				}
				continue
			}
			if it.event != nil {
				p.events <- *it.event
				continue
			}
			p.publish(it.frame)
		}
	}()
}

// due takes the next item when its recorded time has come (due 0), or says
// how long to wait for it (-1: paused, wait for a control); false at the
// end of the session.
func (p *Player) due() (item, time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next >= len(p.sess.items) {
		return item{}, 0, false
	}
	it := p.sess.items[p.next]
	now := p.nowLocked()
	if !it.time.After(now) {
		p.next++
		return it, 0, true
	}
	if p.paused {
		return it, -1, true
	}
	return it, max(time.Duration(float64(it.time.Sub(now))/p.speed), time.Millisecond), true
}

// wait sleeps d (forever when d < 0), or until a control wakes the player
// or ctx ends.
func (p *Player) wait(ctx context.Context, d time.Duration) {
	var tc <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		tc = t.C
	}
	select {
	case <-ctx.Done():
	case <-p.wake:
	case <-tc:
	}
}

// setClock moves the replay clock to at (keeping it paused or running) and
// wakes the player so that it plays what is now due.
func (p *Player) setClock(at time.Time, paused bool) {
	p.at, p.paused = at, paused
	if !p.wall.IsZero() {
		p.wall = time.Now()
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Pause stops the replay clock where it is.
func (p *Player) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setClock(p.nowLocked(), true)
}

// Resume runs the replay clock again from where it stands.
func (p *Player) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setClock(p.nowLocked(), false)
}

// Paused reports whether the clock is stopped by Pause.
func (p *Player) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// Step moves the clock to the next recorded frame and pauses there: one
// probe round at a time.
func (p *Player) Step() { p.jump(func(it item) bool { return it.frame != nil }) }

// NextEvent moves the clock to the next recorded event (a fault, an
// action) and pauses there.
func (p *Player) NextEvent() { p.jump(func(it item) bool { return it.event != nil }) }

func (p *Player) jump(match func(item) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.nowLocked()
	for _, it := range p.sess.items[p.next:] {
		if match(it) && !it.time.Before(now) {
			p.setClock(it.time, true)
			return
		}
	}
	p.setClock(p.sess.End(), true) // nothing more of that kind: the end
}

// Position is how far the replay is into the recording, and its length.
func (p *Player) Position() (at, length time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nowLocked().Sub(p.sess.Start()), p.sess.End().Sub(p.sess.Start())
}

// Ended reports whether every recorded item has been played.
func (p *Player) Ended() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
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
