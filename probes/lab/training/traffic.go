package training

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Synthetic users: requestsPerSecond through the front, at most maxInFlight
// at once (a slow application does not pile up unbounded goroutines).
const (
	requestsPerSecond = 10
	maxInFlight       = 64
)

// traffic is the lab's users: a steady stream of real HTTP requests through
// the nginx front to the application, so its counters advance on their own
// and every fault shows in them as it would in production.
type traffic struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	client *http.Client
}

// startTraffic sends requests to base (http://host:port) until stop.
func startTraffic(ctx context.Context, base string) *traffic {
	ctx, cancel := context.WithCancel(ctx)
	t := &traffic{cancel: cancel, client: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
	}}
	sem := make(chan struct{}, maxInFlight)
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		tick := time.NewTicker(time.Second / requestsPerSecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			select {
			case sem <- struct{}{}:
			default:
				continue // every user is waiting already
			}
			t.wg.Add(1)
			go func() {
				defer func() { <-sem; t.wg.Done() }()
				t.one(ctx, base)
			}()
		}
	}()
	return t
}

// one sends one user request: mostly listing, some reading, some creating.
func (t *traffic) one(ctx context.Context, base string) {
	method, path, body := http.MethodGet, "/api/invoices", ""
	switch n := rand.N(10); {
	case n < 2:
		method, body = http.MethodPost, `{"customer":"ACME","total":119.0}`
	case n < 5:
		path = fmt.Sprintf("/api/invoices/%d", 10000+rand.N(1000))
		if rand.N(20) == 0 {
			path = fmt.Sprintf("/api/invoices/%d", 95000+rand.N(4000)) // no such invoice: a little 404 traffic
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// stop ends the stream and waits for the requests in flight.
func (t *traffic) stop() {
	t.cancel()
	t.wg.Wait()
	t.client.CloseIdleConnections()
}
