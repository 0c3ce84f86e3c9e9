package alerting

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// NotifierOptions tune the senders. Zero values take the defaults noted.
type NotifierOptions struct {
	Timeout    time.Duration // per POST; default 10s
	MinBackoff time.Duration // first retry delay; default 500ms
	MaxBackoff time.Duration // longest retry delay; default 1m
	// OnResult is told about each attempt (err nil on success), on the
	// sender's goroutine; it must not block. Optional.
	OnResult func(url string, alerts int, err error)
	Client   *http.Client // default: a client with Timeout
}

// Notifier posts batches to every Alertmanager, one goroutine each. Each has
// a one-slot queue where the newest batch replaces an unsent one: a batch
// holds every current alert, so the newest supersedes the older.
type Notifier struct {
	opts    NotifierOptions
	targets []*amTarget
	wg      sync.WaitGroup
}

type amTarget struct {
	url  string // .../api/v2/alerts
	base string
	box  chan []Alert

	sent, failed atomic.Int64 // POSTs that succeeded / failed
	up           atomic.Bool  // the latest POST succeeded
}

// NewNotifier prepares senders for the Alertmanager base URLs.
func NewNotifier(urls []string, opts NotifierOptions) *Notifier {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: opts.Timeout}
	}
	n := &Notifier{opts: opts}
	for _, u := range urls {
		base := strings.TrimRight(u, "/")
		n.targets = append(n.targets, &amTarget{url: base + "/api/v2/alerts", base: base, box: make(chan []Alert, 1)})
	}
	return n
}

// Send queues batch for every Alertmanager; it never blocks.
func (n *Notifier) Send(batch []Alert) {
	for _, t := range n.targets {
		for {
			select {
			case t.box <- batch:
			default:
				select { // drop the unsent older batch: the newer holds all of it
				case <-t.box:
				default:
				}
				continue
			}
			break
		}
	}
}

// Start runs one sender per Alertmanager until ctx ends; Wait waits for them.
func (n *Notifier) Start(ctx context.Context) {
	for _, t := range n.targets {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.loop(ctx, t)
		}()
	}
}

// Wait returns once every sender has stopped (after ctx ended).
func (n *Notifier) Wait() { n.wg.Wait() }

func (n *Notifier) loop(ctx context.Context, t *amTarget) {
	var batch []Alert
	backoff := n.opts.MinBackoff
	for {
		if batch == nil {
			select {
			case <-ctx.Done():
				return
			case batch = <-t.box:
			}
		}
		err := n.post(ctx, t, batch)
		if err == nil {
			t.sent.Add(1)
		} else {
			t.failed.Add(1)
		}
		t.up.Store(err == nil)
		if n.opts.OnResult != nil {
			n.opts.OnResult(t.base, len(batch), err)
		}
		if err == nil {
			batch, backoff = nil, n.opts.MinBackoff
			continue
		}
		// Wait before retrying; a newer batch that arrives meanwhile is
		// the one retried, since it holds every current alert.
		timer := time.NewTimer(backoff)
	wait:
		for {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case b := <-t.box:
				batch = b
			case <-timer.C:
				break wait
			}
		}
		backoff = min(2*backoff, n.opts.MaxBackoff)
	}
}

// post sends one batch with the per-request timeout.
func (n *Notifier) post(ctx context.Context, t *amTarget, batch []Alert) error {
	body, err := json.Marshal(batch)
	if err != nil {
		return fmt.Errorf("encode alerts: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("alertmanager %s: %w", t.base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("alertmanager %s: %w", t.base, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("alertmanager %s: HTTP %d: %s", t.base, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}
