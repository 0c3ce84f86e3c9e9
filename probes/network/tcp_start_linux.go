package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes"
)

var _ probes.Starter = (*TCP)(nil)

// Start runs the probe without a goroutine of its own (probes.Starter): its
// connects wait on the connect poller, and the pause between two attempts
// is a timer. It can when the address is an IP literal and no ports are
// checked; otherwise it returns false and the scheduler calls Run.
func (t *TCP) Start(ctx context.Context, finish func([]probes.Result)) bool {
	if t.hasPorts() {
		return false
	}
	ap, p, ok := pollable(t.address)
	if !ok {
		return false
	}
	r := &tcpRun{t: t, ctx: ctx, p: p, ap: ap, finish: finish,
		per: attemptTimeout(time.Until(deadlineOr(ctx, 3*time.Second)), t.count, t.interval)}
	r.atts = make([]attempt, 0, t.count)
	r.stop = context.AfterFunc(ctx, r.cancelled)
	r.attempt()
	return true
}

// tcpRun is one run of a tcp probe started with Start: the attempts made so
// far and the one in flight.
type tcpRun struct {
	t      *TCP
	ctx    context.Context
	p      *connectPoller
	ap     netip.AddrPort
	per    time.Duration // each attempt's timeout
	finish func([]probes.Result)
	stop   func() bool // of the AfterFunc on ctx

	mu      sync.Mutex
	atts    []attempt
	cur     *pendingConnect // the attempt in flight, when the poller waits on it
	pause   *time.Timer     // the wait before the next attempt
	stopped bool            // ctx ended
	ended   bool            // finish was called
}

// attempt makes the next attempt, or ends the run when ctx has ended.
func (r *tcpRun) attempt() {
	r.mu.Lock()
	r.pause = nil
	if r.stopped || r.ended {
		r.mu.Unlock()
		r.end() // attempts cut short by the round are not counted as lost
		return
	}
	n := len(r.atts)
	r.mu.Unlock()
	dl := time.Now().Add(r.per)
	if cd, ok := r.ctx.Deadline(); ok && cd.Before(dl) {
		dl = cd
	}
	d := r.p.connect(r.ap, dl, r.attempted)
	if d == nil {
		return // known at once: attempted has run
	}
	r.mu.Lock()
	abort := r.stopped
	if !abort && len(r.atts) == n { // not answered yet
		r.cur = d
	}
	r.mu.Unlock()
	if abort {
		r.p.abort(d, contextError(r.ctx))
	}
}

// attempted records one attempt's outcome, then waits for the next or ends.
func (r *tcpRun) attempted(lat time.Duration, err error) {
	r.mu.Lock()
	r.cur = nil
	if err != nil && errors.Is(err, context.Canceled) {
		// The round was cancelled: this attempt is not counted.
		r.mu.Unlock()
		r.end()
		return
	}
	r.atts = append(r.atts, attempt{lat, err})
	more := len(r.atts) < r.t.count && !r.stopped
	if more {
		r.pause = time.AfterFunc(r.t.interval, r.attempt)
	}
	r.mu.Unlock()
	if !more {
		r.end()
	}
}

// cancelled runs when ctx ends: the attempt in flight ends now, as does a
// pause before the next one.
func (r *tcpRun) cancelled() {
	r.mu.Lock()
	r.stopped = true
	d, pause := r.cur, r.pause
	r.mu.Unlock()
	if d != nil {
		r.p.abort(d, contextError(r.ctx))
	}
	if pause != nil && pause.Stop() {
		r.end()
	}
}

// end grades the attempts and hands the result to finish, once.
func (r *tcpRun) end() {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.ended = true
	atts := r.atts
	r.mu.Unlock()
	r.stop()
	r.finish([]probes.Result{r.grade(atts)})
}

// grade is gradeConnect, with a panic turned into a failed result as the
// scheduler does for Run: it runs on the poller's or a timer's goroutine.
func (r *tcpRun) grade(atts []attempt) (res probes.Result) {
	defer func() {
		if p := recover(); p != nil {
			res = probes.Result{Check: "connect", Status: probes.Unknown, Summary: "probe failed", Err: fmt.Sprintf("probe panicked: %v", p)}
		}
	}()
	return gradeConnect(r.t.address, r.t.th, atts, r.per)
}
