package probes

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Layer is one of the five layers of the runbook's diagnosis model.
type Layer int

// The five layers, in the runbook's order (and weight: 30, 25, 20, 15, 10 %).
const (
	Network Layer = iota
	Server
	Application
	Data
	Security
)

// Layers lists the five layers in the order the screen and JSON use.
var Layers = []Layer{Network, Server, Application, Data, Security}

var layerNames = [...]string{"network", "server", "application", "data", "security"}

// Weight is the runbook's share of incidents caused by the layer, in percent.
func (l Layer) Weight() int { return [...]int{30, 25, 20, 15, 10}[l] }

func (l Layer) String() string {
	if l < 0 || int(l) >= len(layerNames) {
		return fmt.Sprintf("layer(%d)", int(l))
	}
	return layerNames[l]
}

// MarshalText writes the layer's name.
func (l Layer) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// ParseLayer reads a layer name.
func ParseLayer(s string) (Layer, error) {
	for i, n := range layerNames {
		if n == s {
			return Layer(i), nil
		}
	}
	return 0, fmt.Errorf("unknown layer %q (want network, server, application, data or security)", s)
}

// Status is a check's verdict. The zero value is OK; Unknown sorts above Warn
// only for display, never for grading (see Worse).
type Status int

// Statuses.
const (
	OK Status = iota
	Warn
	Crit
	Unknown
)

var statusNames = [...]string{"ok", "warn", "crit", "unknown"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "unknown"
	}
	return statusNames[s]
}

// MarshalText writes ok|warn|crit|unknown.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads ok|warn|crit|unknown.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if n == string(b) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown status %q", b)
}

// severityRank orders statuses for "worst of": crit > unknown > warn > ok.
// An unknown check cannot see, which is worse than a warning but not an outage.
func (s Status) severityRank() int { return [...]int{0, 1, 3, 2}[s] }

// Worse reports whether s is more severe than o (crit > unknown > warn > ok).
func (s Status) Worse(o Status) bool { return s.severityRank() > o.severityRank() }

// Worst returns the most severe of the given statuses (OK for none).
func Worst(ss ...Status) Status {
	w := OK
	for _, s := range ss {
		if s.Worse(w) {
			w = s
		}
	}
	return w
}

// Summarize grades results as a verification does: the worst status and a
// line naming each check that is not ok.
func Summarize(rs []Result) (Status, string) {
	if len(rs) == 0 {
		return Unknown, "no results"
	}
	worst := OK
	var bad []string
	for _, r := range rs {
		worst = Worst(worst, r.Status)
		if r.Status != OK {
			bad = append(bad, fmt.Sprintf("%s %s: %s", r.Check, r.Status, r.Summary))
		}
	}
	if len(bad) == 0 {
		return worst, fmt.Sprintf("all %d checks ok", len(rs))
	}
	return worst, strings.Join(bad, "; ")
}

// Check describes one check a probe yields, known before the probe has run so
// the screen can show it as "probing…" and a timeout can be attributed to it.
type Check struct {
	Name  string // e.g. "cpu", "connect", "lock_waits"
	Layer Layer
	// OnTimeout is the status given when the probe does not finish within its
	// timeout: Crit for reachability checks (a silent port is an outage),
	// Unknown for measurements. Never OK.
	OnTimeout Status
	// Latent marks a latent-risk check (certificate expiry, fragmentation,
	// time-to-exhaustion): when only such checks warn, the grade is blue.
	Latent bool
	// Rate marks a check that compares two samples (CPU, IOPS, counters); a
	// one-shot `triage check` primes it and samples again after --window.
	Rate bool
	// UserFacing marks a check that measures what a client of the component
	// experiences (connect, HTTP status, health, 5xx share, latency, logins):
	// crit there on a core component is the red grade (docs/diagnosis.md).
	UserFacing bool
	// Below marks a check whose thresholds count down (days left on a
	// certificate): crit lies at or below warn. Config validation reads it.
	Below bool
}

// Impact is a check's impact class: it decides which grade a failure raises.
type Impact int

// Impact classes. The zero value is Internal.
const (
	// Internal: resources, pools, locks, replication, clients, logs.
	Internal Impact = iota
	// UserFacing: what a client of the component experiences.
	UserFacing
	// Latent: a risk that has not hurt anyone yet (certificate expiry,
	// fragmentation, time to exhaustion).
	Latent
)

var impactNames = [...]string{"internal", "user-facing", "latent"}

func (i Impact) String() string {
	if i < 0 || int(i) >= len(impactNames) {
		return "internal"
	}
	return impactNames[i]
}

// MarshalText writes internal|user-facing|latent.
func (i Impact) MarshalText() ([]byte, error) { return []byte(i.String()), nil }

// UnmarshalText reads internal|user-facing|latent.
func (i *Impact) UnmarshalText(b []byte) error {
	for n, name := range impactNames {
		if name == string(b) {
			*i = Impact(n)
			return nil
		}
	}
	return fmt.Errorf("unknown impact %q", b)
}

// ImpactOf classifies a result of check c. A probe may set the result's
// Impact itself (an expired certificate is user-facing though its check is
// latent); otherwise the check's declaration decides, and a reachability
// check (one that turns crit on a timeout) that failed with an error is
// user-facing: the clients of that component cannot reach it either.
func ImpactOf(c Check, r Result) Impact {
	switch {
	case r.Impact != Internal:
		return r.Impact
	case c.UserFacing:
		return UserFacing
	case c.OnTimeout == Crit && r.Status != OK && (r.Err != "" || r.TimedOut):
		return UserFacing
	case c.Latent || r.Latent:
		return Latent
	}
	return Internal
}

// Result is the outcome of one check in one round.
type Result struct {
	ID        string `json:"id"` // component/probe/check
	Component string `json:"component"`
	Probe     string `json:"probe"`
	Check     string `json:"check"`
	// Kind is the probe's kind (tcp, mysql…): what the knowledge table is
	// keyed by. Filled in by the scheduler.
	Kind     string         `json:"kind"`
	Layer    Layer          `json:"layer"`
	Status   Status         `json:"status"`
	Summary  string         `json:"summary"`
	Value    *float64       `json:"value"`
	Unit     string         `json:"unit"`
	Evidence map[string]any `json:"evidence"`
	Duration time.Duration  `json:"-"`
	Err      string         `json:"error"`
	Time     time.Time      `json:"-"`
	// Latent is copied from the Check: see Check.Latent.
	Latent bool `json:"-"`
	// Impact is the result's impact class, filled in by the scheduler
	// through ImpactOf unless the probe set it.
	Impact Impact `json:"impact"`
	// For is how long a non-OK status must hold before it counts toward the
	// grade (the threshold's `for:`), zero for at once.
	For time.Duration `json:"-"`
	// TimedOut is set by the scheduler when the probe missed its deadline.
	TimedOut bool `json:"-"`
	// Absent says the target does not expose what this check reads (an app
	// without circuit breakers): the check is left out of the snapshot, and
	// the probe notes it in its other results' evidence (`not_exposed`),
	// rather than staying unknown forever.
	Absent bool `json:"-"`
	// Warmup marks a rate check's first sample: it has nothing to compare
	// with yet, so it is shown (unknown) but does not grade the estate.
	Warmup bool `json:"-"`
}

// MarshalJSON writes the docs/contracts.md shape: duration_ms, and evidence as {} never null.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	ev := r.Evidence
	if ev == nil {
		ev = map[string]any{}
	}
	p := plain(r)
	p.Evidence = ev
	return json.Marshal(struct {
		plain
		DurationMS float64 `json:"duration_ms"`
	}{p, float64(r.Duration.Microseconds()) / 1000})
}

// V returns a pointer to v, for Result.Value.
func V(v float64) *float64 { return &v }

// Probe is one configured probe instance. It may keep state between rounds
// (previous counter samples); the scheduler never runs one instance twice at once.
type Probe interface {
	// Checks lists the checks Run yields, in display order.
	Checks() []Check
	// Run takes one sample and returns one Result per check. It must return
	// promptly once ctx is done. Fields the scheduler owns (ID, Component,
	// Probe, Layer, Duration, Time, Latent) may be left empty; a Result whose
	// Component is set keeps it (fleet probes create components per instance).
	Run(ctx context.Context) []Result
}

// Starter is implemented by a probe that can wait without a goroutine of
// its own (the tcp probe's connects wait on one poller), so that a round of
// ten thousand probes does not hold thousands of goroutine stacks while
// their ports stay silent. Start begins one run bound by ctx and returns at
// once; finish is then called exactly once, on any goroutine, with what Run
// would have returned. Start returns false, and calls nothing, when this
// probe cannot run so (the scheduler then calls Run).
type Starter interface {
	Start(ctx context.Context, finish func([]Result)) bool
}

// Closer is implemented by probes that hold connections (database pools).
type Closer interface {
	Close() error
}
