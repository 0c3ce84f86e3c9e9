package app

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
)

// Default thresholds of the nginx checks.
var (
	// UpstreamErrorsThreshold grades upstream failures in the last minute:
	// any is a warning, a burst of more than 10 a minute is critical.
	UpstreamErrorsThreshold = probes.Above(0, 10)
	// ConnectionsThreshold grades active connections; no default bound (it
	// depends on worker_connections), set warn/crit in config.
	ConnectionsThreshold = probes.Threshold{}
)

// Bounds of the nginx probe's memory.
const (
	lastLinesKept   = 20
	perMinuteShown  = 15
	maxStatusBytes  = 64 << 10
	upstreamErrors  = "upstream_errors"
	connectionsName = "connections"
)

var (
	upstreamCheck    = probes.Check{Name: upstreamErrors, Layer: probes.Application, OnTimeout: probes.Unknown, Rate: true}
	connectionsCheck = probes.Check{Name: connectionsName, Layer: probes.Application, OnTimeout: probes.Unknown, Rate: true}
)

// NginxKind follows nginx's error log and reads its stub_status.
var NginxKind = probes.Kind{
	Name:       "nginx",
	Thresholds: map[string]probes.Threshold{"upstream_errors": UpstreamErrorsThreshold, "connections": ConnectionsThreshold},
	Doc:        "nginx: upstream failures per minute from the error log (path, followed from its end across rotation) and connections from stub_status (status_url)",
	Required:   [][]string{{"path", "status_url"}},
	Allowed:    []string{"path", "status_url"},
	Checks:     []probes.Check{upstreamCheck, connectionsCheck},
	New:        func(s probes.Spec) (probes.Probe, error) { return NewNginx(s) },
}

// Nginx is an nginx probe instance: a log follower with its failure ring,
// and the previous stub_status sample.
type Nginx struct {
	statusURL string
	client    *http.Client
	follower  *logFollower
	ring      errorRing
	lastLines []string // ring of the last failure lines, oldest first
	since     time.Time
	prev      *stubStatus
	prevAt    time.Time
	now       func() time.Time
	thErrors  probes.Threshold
	thConns   probes.Threshold
}

var (
	_ probes.Probe  = (*Nginx)(nil)
	_ probes.Closer = (*Nginx)(nil)
)

// NewNginx builds an nginx probe; it yields upstream_errors when path is
// set and connections when status_url is set.
func NewNginx(s probes.Spec) (*Nginx, error) {
	if s.Path == "" && s.StatusURL == "" {
		return nil, fmt.Errorf("nginx: one of path, status_url is required")
	}
	n := &Nginx{
		statusURL: s.StatusURL, now: time.Now,
		thErrors: s.Threshold(upstreamErrors, UpstreamErrorsThreshold),
		thConns:  s.Threshold(connectionsName, ConnectionsThreshold),
	}
	if s.Path != "" {
		n.follower = &logFollower{path: s.Path}
	}
	if s.StatusURL != "" {
		c, err := newHTTPClient("", "")
		if err != nil {
			return nil, fmt.Errorf("nginx: %w", err)
		}
		n.client = c
	}
	return n, nil
}

// Checks lists upstream_errors (with path) and connections (with status_url).
func (n *Nginx) Checks() []probes.Check {
	var out []probes.Check
	if n.follower != nil {
		out = append(out, upstreamCheck)
	}
	if n.statusURL != "" {
		out = append(out, connectionsCheck)
	}
	return out
}

// Close closes the followed log and idle connections.
func (n *Nginx) Close() error {
	if n.client != nil {
		n.client.CloseIdleConnections()
	}
	if n.follower != nil {
		return n.follower.close()
	}
	return nil
}

// Run reads what the error log gained since the last round and stub_status.
func (n *Nginx) Run(ctx context.Context) []probes.Result {
	var out []probes.Result
	if n.follower != nil {
		out = append(out, n.upstream())
	}
	if n.statusURL != "" {
		out = append(out, n.connections(ctx))
	}
	return out
}

func (n *Nginx) upstream() probes.Result {
	now := n.now()
	err := n.follower.read(func(line []byte) {
		k, ok := classifyUpstream(line)
		if !ok {
			return
		}
		n.ring.add(now, k)
		if len(n.lastLines) == lastLinesKept {
			copy(n.lastLines, n.lastLines[1:])
			n.lastLines = n.lastLines[:lastLinesKept-1]
		}
		n.lastLines = append(n.lastLines, string(line))
	})
	if err != nil {
		return unknownResult(upstreamErrors, "cannot read the error log: "+err.Error(), err)
	}
	if n.since.IsZero() {
		n.since = now
	}
	counts := n.ring.window(now, time.Minute)
	total := 0
	byKind, byStatus := map[string]int{}, map[string]int{}
	for k, c := range counts {
		if c > 0 {
			total += c
			byKind[upstreamKindNames[k]] = c
			byStatus[impliedStatus[k]] += c
		}
	}
	r := newResult(upstreamErrors, n.thErrors)
	r.Unit = "errors/min"
	r.Value = probes.V(float64(total))
	r.Status = n.thErrors.Grade(float64(total))
	watching := now.Sub(n.since)
	r.Evidence = map[string]any{
		"path":             n.follower.path,
		"errors_per_min":   total,
		"by_kind":          byKind,
		"by_status":        byStatus,
		"per_minute":       n.ring.perMinute(now, perMinuteShown),
		"last_lines":       append([]string{}, n.lastLines...),
		"watching_seconds": watching.Seconds(),
		"rotations":        n.follower.Rotations,
		"truncations":      n.follower.Truncations,
		"skipped_bytes":    n.follower.SkippedBytes,
	}
	if total == 0 {
		r.Summary = "no upstream errors in the last minute"
	} else {
		kinds := make([]string, 0, len(byKind))
		for k, c := range byKind {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, c))
		}
		sort.Strings(kinds)
		r.Summary = withBreach(fmt.Sprintf("%d upstream errors in the last minute: %s", total, strings.Join(kinds, ", ")), n.thErrors, r.Status, "/min")
	}
	if watching < time.Minute {
		r.Summary += fmt.Sprintf(" (watching for %.0fs)", watching.Seconds())
	}
	return r
}

func (n *Nginx) connections(ctx context.Context) probes.Result {
	body, _, err := fetch(ctx, n.client, n.statusURL, "", maxStatusBytes)
	var s stubStatus
	if err == nil {
		s, err = parseStubStatus(body)
	}
	if err != nil {
		return unknownResult(connectionsName, "stub_status: "+err.Error(), err)
	}
	now := n.now()
	r := newResult(connectionsName, n.thConns)
	r.Unit = "connections"
	r.Value = probes.V(s.Active)
	r.Status = n.thConns.Grade(s.Active)
	r.Evidence = map[string]any{
		"active": s.Active, "reading": s.Reading, "writing": s.Writing, "waiting": s.Waiting,
		"accepts": s.Accepts, "handled": s.Handled, "requests": s.Requests,
		"dropped_total": s.Accepts - s.Handled,
	}
	r.Summary = withBreach(fmt.Sprintf("%s active (reading %s, writing %s, waiting %s)", num(s.Active), num(s.Reading), num(s.Writing), num(s.Waiting)), n.thConns, r.Status, "")
	prev, prevAt := n.prev, n.prevAt
	n.prev, n.prevAt = &s, now
	if prev == nil || s.Accepts < prev.Accepts { // first sample, or nginx restarted
		return r
	}
	if dt := now.Sub(prevAt).Seconds(); dt > 0 {
		r.Evidence["requests_per_second"] = (s.Requests - prev.Requests) / dt
	}
	dropped := (s.Accepts - s.Handled) - (prev.Accepts - prev.Handled)
	r.Evidence["dropped_since_last"] = dropped
	if dropped > 0 {
		r.Status = probes.Crit
		r.Summary = fmt.Sprintf("%s connections dropped since last round (accepts > handled: worker_connections or file limit reached); %s", num(dropped), r.Summary)
	}
	return r
}
