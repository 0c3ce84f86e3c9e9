package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes"
)

const (
	// CheckAlerts is the probe's own check: does the Alertmanager answer,
	// and how many alerts are active.
	CheckAlerts = "alerts"
	// DefaultComponentLabel is the alert label that names the component an
	// alert belongs to when the probe's `name` does not choose another.
	DefaultComponentLabel = "component"
	// maxAlertsBytes caps one response.
	maxAlertsBytes = 16 << 20
	// forgetAfter drops a resolved alert's check once it has been OK this long.
	forgetAfter = time.Hour
)

var alertsCheck = probes.Check{Name: CheckAlerts, Layer: probes.Application, OnTimeout: probes.Unknown}

// AlertmanagerKind is the `alertmanager` kind: the active alerts of an
// existing Alertmanager as checks, one per alert name and component.
var AlertmanagerKind = probes.Kind{
	Name: "alertmanager",
	Doc: "an Alertmanager's active alerts as checks (one per alertname and component; severity → status; " +
		"selector filters alerts, e.g. {team=\"db\"}; name is the label naming the component, default " + DefaultComponentLabel + ")",
	Required: [][]string{{"url"}},
	Allowed:  []string{"url", "selector", "name", "ca_file"},
	Checks:   []probes.Check{alertsCheck},
	New:      func(s probes.Spec) (probes.Probe, error) { return NewProbe(s) },
}

// Probe reads GET /api/v2/alerts of one Alertmanager. Silenced and
// inhibited alerts are left out: someone already decided about them.
type Probe struct {
	spec     probes.Spec
	endpoint string // .../api/v2/alerts?…
	label    string
	client   *http.Client

	mu   sync.Mutex
	seen map[string]seenCheck // check id → the check and when it was last active
}

type seenCheck struct {
	component, check string
	layer            probes.Layer
	last             time.Time
}

var _ probes.Probe = (*Probe)(nil)

// NewProbe builds the probe; a bad url or selector is an error.
func NewProbe(spec probes.Spec) (*Probe, error) {
	u, err := url.Parse(spec.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want http:// or https:// with a host", spec.URL)
	}
	q := url.Values{"active": {"true"}, "silenced": {"false"}, "inhibited": {"false"}}
	if spec.Selector != "" {
		ms, err := matchers(spec.Selector)
		if err != nil {
			return nil, err
		}
		q["filter"] = ms
	}
	tc, err := probes.TLSConfig(spec.CAFile, "")
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig, tr.Proxy = tc, nil
	label := spec.Name
	if label == "" {
		label = DefaultComponentLabel
	}
	return &Probe{spec: spec, label: label, client: &http.Client{Transport: tr},
		endpoint: strings.TrimRight(u.String(), "/") + "/api/v2/alerts?" + q.Encode(),
		seen:     map[string]seenCheck{}}, nil
}

// matchers splits `{a="b", c=~"d"}` into Alertmanager filter matchers.
func matchers(sel string) ([]string, error) {
	s := strings.TrimSpace(sel)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, fmt.Errorf("selector %q: want label matchers in braces, e.g. {team=\"db\"}", sel)
	}
	var out []string
	for _, m := range splitMatchers(s[1 : len(s)-1]) {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("selector %q has no matcher", sel)
	}
	return out, nil
}

// splitMatchers splits on commas outside double quotes.
func splitMatchers(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// Checks lists the probe's own check; one per alert appears at run time.
func (p *Probe) Checks() []probes.Check { return []probes.Check{alertsCheck} }

// amAlert is the part of Alertmanager's gettableAlert the probe reads.
type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

// Run reads the active alerts once.
func (p *Probe) Run(ctx context.Context) []probes.Result {
	alerts, err := p.fetch(ctx)
	now := time.Now()
	if err != nil {
		res := probes.Result{Check: CheckAlerts, Status: probes.Unknown, Err: err.Error(),
			Summary: "cannot read alerts: " + err.Error()}
		return append([]probes.Result{res}, p.blind(res.Summary, err)...)
	}
	return p.evaluate(alerts, now)
}

func (p *Probe) fetch(ctx context.Context) ([]amAlert, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.endpoint, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("alertmanager: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAlertsBytes))
	if err != nil {
		return nil, fmt.Errorf("alertmanager: read: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("alertmanager: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body[:min(len(body), 200)])))
	}
	var out []amAlert
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("alertmanager: decode alerts: %w", err)
	}
	return out, nil
}

// blind marks every alert check seen so far unknown: the source is unreadable.
func (p *Probe) blind(summary string, err error) []probes.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []probes.Result
	for _, s := range p.seen {
		out = append(out, probes.Result{Component: s.component, Check: s.check, Layer: s.layer,
			Status: probes.Unknown, Summary: summary, Err: err.Error()})
	}
	return out
}

// group is the alerts of one alertname on one component.
type group struct {
	component, check, alertname string
	layer                       probes.Layer
	status                      probes.Status
	latent                      bool
	alerts                      []map[string]any
	summaries                   []string
}

// evaluate turns alerts into results: the probe's own check, one per
// alertname and component, and OK for checks whose alerts have ended.
func (p *Probe) evaluate(alerts []amAlert, now time.Time) []probes.Result {
	groups := map[string]*group{}
	counts := map[probes.Status]int{}
	for _, a := range alerts {
		if a.Status.State != "" && a.Status.State != "active" {
			continue
		}
		comp := a.Labels[p.label]
		if comp == "" || strings.Contains(comp, "/") {
			comp = p.spec.Component
		}
		name := a.Labels["alertname"]
		check := "alert_" + sanitize(name)
		key := comp + "/" + check
		g := groups[key]
		if g == nil {
			g = &group{component: comp, check: check, alertname: name, layer: probes.Application, latent: true}
			if l, err := probes.ParseLayer(a.Labels["layer"]); err == nil {
				g.layer = l
			}
			groups[key] = g
		}
		st, latent := SeverityStatus(a.Labels["severity"])
		counts[st]++
		g.status = probes.Worst(g.status, st)
		g.latent = g.latent && latent
		g.alerts = append(g.alerts, map[string]any{"labels": a.Labels, "annotations": a.Annotations, "starts_at": a.StartsAt})
		if s := a.Annotations["summary"]; s != "" {
			g.summaries = append(g.summaries, s)
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	own := probes.Result{Check: CheckAlerts, Status: probes.OK, Value: probes.V(float64(len(alerts))), Unit: "alerts",
		Evidence: map[string]any{"crit": counts[probes.Crit], "warn": counts[probes.Warn], "info": counts[probes.OK], "checks": keys}}
	own.Summary = fmt.Sprintf("%d active alert(s): %d crit, %d warn, %d info", len(alerts), counts[probes.Crit], counts[probes.Warn], counts[probes.OK])
	if len(alerts) == 0 {
		own.Summary = "Alertmanager answers; no active alerts"
	}
	out := []probes.Result{own}
	p.mu.Lock()
	defer p.mu.Unlock()
	active := map[string]bool{}
	for _, k := range keys {
		g := groups[k]
		active[k] = true
		p.seen[k] = seenCheck{component: g.component, check: g.check, layer: g.layer, last: now}
		summary := fmt.Sprintf("%s firing (%d)", g.alertname, len(g.alerts))
		if len(g.summaries) > 0 {
			summary += ": " + strings.Join(dedupe(g.summaries), "; ")
		}
		out = append(out, probes.Result{Component: g.component, Check: g.check, Layer: g.layer,
			Status: g.status, Latent: g.latent && g.status == probes.Warn, Summary: summary,
			Value: probes.V(float64(len(g.alerts))), Unit: "alerts",
			Evidence: map[string]any{"alertname": g.alertname, "alerts": g.alerts}})
	}
	for k, s := range p.seen {
		if active[k] {
			continue
		}
		if now.Sub(s.last) > forgetAfter {
			delete(p.seen, k)
			out = append(out, probes.Result{Component: s.component, Check: s.check, Layer: s.layer, Absent: true})
			continue
		}
		out = append(out, probes.Result{Component: s.component, Check: s.check, Layer: s.layer, Status: probes.OK,
			Summary: fmt.Sprintf("no longer active (last seen %s)", s.last.Format(time.RFC3339))})
	}
	return out
}

// SeverityStatus maps an alert's severity label to a status: critical
// (and crit, error, page, high, red, orange) is crit; warning (warn,
// medium, yellow) is warn; blue is a latent warn; info, none and low are
// ok (shown, never graded). Any other value, or none, is warn: an alert
// somebody raised is worth a look.
func SeverityStatus(sev string) (probes.Status, bool) {
	switch strings.ToLower(strings.TrimSpace(sev)) {
	case "critical", "crit", "error", "page", "high", "disaster", "emergency", "red", "orange":
		return probes.Crit, false
	case "info", "informational", "none", "low", "notice":
		return probes.OK, false
	case "blue":
		return probes.Warn, true
	}
	return probes.Warn, false
}

// sanitize makes an alert name a check name: terminal-safe as every
// string from the estate (safety.Sanitize), no '/', no spaces.
func sanitize(s string) string {
	if s = safety.Sanitize(s); s == "" {
		return "unnamed"
	}
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
