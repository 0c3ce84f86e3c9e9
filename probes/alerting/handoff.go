package alerting

import (
	"context"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes/export"
)

// HandOffOptions configure StartHandOff.
type HandOffOptions struct {
	Resend   time.Duration // default 1m
	Timeout  time.Duration // per POST; default 10s
	OnResult func(url string, alerts int, err error)
}

// HandOff is the running hand-off: a Manager feeding a Notifier.
type HandOff struct {
	*Manager
	notifier *Notifier
	wg       sync.WaitGroup
}

// StartHandOff starts senders to the Alertmanagers and the resend ticker;
// both stop when ctx ends. Feed it with Observe (it never blocks on the
// network); backoff between retries grows to at most one resend.
func StartHandOff(ctx context.Context, urls []string, opts HandOffOptions) *HandOff {
	if opts.Resend <= 0 {
		opts.Resend = time.Minute
	}
	n := NewNotifier(urls, NotifierOptions{Timeout: opts.Timeout, MaxBackoff: opts.Resend, OnResult: opts.OnResult})
	h := &HandOff{Manager: NewManager(opts.Resend, n.Send), notifier: n}
	n.Start(ctx)
	h.wg.Add(1)
	go func() { defer h.wg.Done(); h.Manager.Run(ctx) }()
	return h
}

// ObserveReport is Observe at the wall clock, the shape serve.Live's
// observers take.
func (h *HandOff) ObserveReport(rep export.Report) { h.Observe(rep, time.Now()) }

// Wait returns once the senders and the ticker have stopped.
func (h *HandOff) Wait() {
	h.notifier.Wait()
	h.wg.Wait()
}
