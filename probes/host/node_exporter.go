package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
)

// maxScrapeBytes caps a scraped body; a node exporter answers in ~100 KiB.
const maxScrapeBytes = 8 << 20

// scrapeAccept asks for the classic text format, which the text parser reads.
const scrapeAccept = "text/plain;version=0.0.4;q=1,*/*;q=0.1"

// ErrTooLarge is returned when a scraped body exceeds maxScrapeBytes.
var ErrTooLarge = errors.New("body too large")

// NodeExporterKind is the `node_exporter` kind: a remote machine through its
// node exporter's /metrics.
var NodeExporterKind = probes.Kind{
	Name:       "node_exporter",
	Thresholds: DefaultThresholds,
	Doc:        "a remote machine through its node_exporter /metrics: the same checks as host (no top processes)",
	Required:   [][]string{{"url"}},
	Allowed:    []string{"url", "ca_file", "server_name"},
	Checks:     HostChecks,
	New:        func(s probes.Spec) (probes.Probe, error) { return NewNodeExporter(s) },
}

// NodeExporter scrapes a node exporter and grades the machine behind it. It
// keeps the previous sample for CPU, IOPS and OOM-kill rates.
type NodeExporter struct {
	spec   probes.Spec
	url    string
	client *http.Client
	prev   *HostSample
	now    func() time.Time // sample clock; tests replace it
}

var _ probes.Probe = (*NodeExporter)(nil)

// NewNodeExporter builds the probe; a bad url or ca_file is an error.
func NewNodeExporter(spec probes.Spec) (*NodeExporter, error) {
	if err := checkHTTPURL(spec.URL); err != nil {
		return nil, err
	}
	tr, err := newTransport(spec.CAFile, spec.ServerName)
	if err != nil {
		return nil, err
	}
	return &NodeExporter{spec: spec, url: spec.URL, client: &http.Client{Transport: tr}, now: time.Now}, nil
}

// checkHTTPURL accepts an absolute http or https URL.
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q: want http:// or https:// with a host", u.Redacted())
	}
	return nil
}

// Checks lists the host checks.
func (n *NodeExporter) Checks() []probes.Check { return hostChecksCopy() }

// Run scrapes once. A failed scrape makes every check unknown: the exporter
// being unreachable says nothing about the machine's resources.
func (n *NodeExporter) Run(ctx context.Context) []probes.Result {
	ctx, cancel := probes.WithMargin(ctx)
	defer cancel()
	start := n.now()
	m, err := scrape(ctx, n.client, n.url)
	if err != nil {
		return unknownAll(checkNames(HostChecks), "scrape failed: "+probes.ErrWords(err), err)
	}
	cur := sampleFromMetrics(m, start)
	rs := Evaluate(n.prev, cur, n.spec)
	n.prev = cur
	return rs
}

// scrape fetches and parses one exposition body.
func scrape(ctx context.Context, client *http.Client, target string) (metricSet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", scrapeAccept)
	req.Header.Set("User-Agent", "triage")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err // *url.Error: says GET, the URL (password redacted) and why
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") {
		return nil, fmt.Errorf("not exposition text: content type %s", ct)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxScrapeBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxScrapeBytes {
		return nil, fmt.Errorf("%w: over %d MiB", ErrTooLarge, maxScrapeBytes>>20)
	}
	return parseExposition(bytes.NewReader(body))
}

// checkNames lists the names of checks.
func checkNames(cs []probes.Check) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}
