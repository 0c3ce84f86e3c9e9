package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/fivelayer/triage/probes"
)

const (
	// DefaultSelector picks the node exporters among Prometheus's targets.
	DefaultSelector = `{job=~".*node.*"}`
	// CheckInstances is the prometheus probe's own check: is the server
	// answering, and how many instances match the selector.
	CheckInstances = "instances"
	// maxQueryBytes caps one query response.
	maxQueryBytes = 64 << 20
	// parallelQueries bounds the queries one probe runs at once.
	parallelQueries = 8
)

var instancesCheck = probes.Check{Name: CheckInstances, Layer: probes.Server, OnTimeout: probes.Unknown}

// PrometheusKind is the `prometheus` kind: a fleet through a Prometheus
// server's query API (the host checks per instance, each instance its own
// component) and configured PromQL rules with thresholds.
var PrometheusKind = probes.Kind{
	Name:       "prometheus",
	Thresholds: DefaultThresholds,
	Doc: "a Prometheus server: the host checks for every node_exporter instance matching selector " +
		"(default " + DefaultSelector + "; one component per instance), and PromQL rules with thresholds",
	Required: [][]string{{"url"}},
	Allowed:  []string{"url", "selector", "rules", "ca_file"},
	Checks:   append([]probes.Check{instancesCheck}, HostChecks...),
	New:      func(s probes.Spec) (probes.Probe, error) { return NewPrometheus(s) },
}

// Prometheus queries a Prometheus server. In fleet mode (a selector is set,
// or no rules are) it yields the instances check for its own component and
// the host checks for every matching instance; each rule yields one check.
type Prometheus struct {
	spec     probes.Spec
	api      v1.API
	selector string // the configured selector, for summaries
	matchers string // its label matchers without braces
	fleet    bool
	rules    []rule
	instances
}

var _ probes.Probe = (*Prometheus)(nil)

// NewPrometheus builds the probe; a bad url, ca_file, selector or rule is an error.
func NewPrometheus(spec probes.Spec) (*Prometheus, error) {
	if err := checkHTTPURL(spec.URL); err != nil {
		return nil, err
	}
	tr, err := newTransport(spec.CAFile, "")
	if err != nil {
		return nil, err
	}
	client, err := api.NewClient(api.Config{Address: spec.URL, RoundTripper: capBody{tr, maxQueryBytes}})
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	p := &Prometheus{spec: spec, api: v1.NewAPI(client), fleet: spec.Selector != "" || len(spec.Rules) == 0}
	p.selector = spec.Selector
	if p.selector == "" {
		p.selector = DefaultSelector
	}
	if p.matchers, err = selectorMatchers(p.selector); err != nil {
		return nil, err
	}
	if p.rules, err = newRules(spec, p.fleet); err != nil {
		return nil, err
	}
	p.instances = newInstances()
	return p, nil
}

// selectorMatchers returns the label matchers inside a selector's braces.
func selectorMatchers(sel string) (string, error) {
	s := strings.TrimSpace(sel)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return "", fmt.Errorf("selector %q: want label matchers in braces, e.g. {job=\"node\"}", sel)
	}
	return strings.TrimSuffix(strings.TrimSpace(s[1:len(s)-1]), ","), nil
}

// Checks lists the instances check (fleet mode) and one check per rule; the
// per-instance host checks are created at run time under their own components.
func (p *Prometheus) Checks() []probes.Check {
	var out []probes.Check
	if p.fleet {
		out = append(out, instancesCheck)
	}
	for _, r := range p.rules {
		out = append(out, probes.Check{Name: r.Name, Layer: r.layer, OnTimeout: probes.Unknown})
	}
	return out
}

// Run queries the fleet and evaluates the rules, concurrently.
func (p *Prometheus) Run(ctx context.Context) []probes.Result {
	ctx, cancel := probes.WithMargin(ctx)
	defer cancel()
	now := time.Now()
	var fleet, rules []probes.Result
	var wg sync.WaitGroup
	if p.fleet {
		wg.Add(1)
		go func() { defer wg.Done(); fleet = p.runFleet(ctx, now) }()
	}
	rules = p.runRules(ctx, now)
	wg.Wait()
	return append(fleet, rules...)
}

// query runs one instant query.
func (p *Prometheus) query(ctx context.Context, q string, at time.Time) (model.Value, v1.Warnings, error) {
	v, warn, _, err := p.api.Query(ctx, q, at)
	if err != nil {
		return nil, warn, fmt.Errorf("query %s: %w", q, err)
	}
	return v, warn, nil
}

// promFailure words a query error: the server's own verdict on a bad or
// failing query, else "prometheus unreachable".
func promFailure(err error) string {
	var ae *v1.Error
	if errors.As(err, &ae) {
		switch ae.Type {
		case v1.ErrBadData, v1.ErrExec, v1.ErrTimeout, v1.ErrCanceled:
			return fmt.Sprintf("query failed (%s): %s", ae.Type, ae.Msg)
		}
		return "prometheus unreachable: " + ae.Msg
	}
	return "prometheus unreachable: " + probes.ErrWords(err)
}

// capBody is a RoundTripper that fails a response body past max bytes.
type capBody struct {
	rt  http.RoundTripper
	max int64
}

// RoundTrip sends req and caps the response body.
func (c capBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: c.max}
	return resp, nil
}

type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("%w: over %d MiB", ErrTooLarge, maxQueryBytes>>20)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
