package record

import (
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// Version is the format version this package writes and reads.
const Version = 1

// KeyframeEvery is how many frames apart full keyframes are written.
const KeyframeEvery = 60

// Line types: the "type" field of every line.
const (
	typeHeader = "header"
	typeFrame  = "frame"
	typeEvent  = "event"
)

// Header is a recording's first line: what was recorded, from where, when.
type Header struct {
	Type         string    `json:"type"`
	Version      int       `json:"version"`
	Estate       string    `json:"estate"`
	ConfigSource string    `json:"config_source"`
	Started      time.Time `json:"started"`
	Mode         string    `json:"mode"`   // LIVE, READ-ONLY, LAB
	Triage       string    `json:"triage"` // program version
	IntervalMS   int64     `json:"interval_ms"`
	HistoryLen   int       `json:"history_len"` // samples kept per check, as the scheduler does
	Config       Estate    `json:"config"`
}

// Estate is the part of the config a replay needs to draw the screen and
// grade: names, core, knowledge, which actions exist. Probe keys (addresses,
// URLs, DSN sources) are left out on purpose: a recording never carries them.
type Estate struct {
	Estate      string      `json:"estate"`
	Environment string      `json:"environment"`
	Core        []string    `json:"core"`
	Components  []Component `json:"components"`
}

// Component is one component as a replay sees it.
type Component struct {
	Name      string    `json:"name"`
	Probes    []Probe   `json:"probes"`
	Actions   []string  `json:"actions,omitempty"` // config sections (catalog.Sections): kill_session, restart, switchover
	Standby   string    `json:"standby,omitempty"`
	Knowledge Knowledge `json:"knowledge"`
}

// Knowledge is a component's depends_on and past incidents.
type Knowledge struct {
	DependsOn []string   `json:"depends_on,omitempty"`
	Incidents []Incident `json:"incidents,omitempty"`
	// Advice is the component's own advice: with the results' kinds and
	// impact classes it lets a replay reach the same diagnosis.
	Advice []Advice `json:"advice,omitempty"`
}

// Advice is one piece of a component's configured advice.
type Advice struct {
	Check   string `json:"check,omitempty"`
	Text    string `json:"text"`
	Action  string `json:"action,omitempty"`
	Replace bool   `json:"replace,omitempty"`
}

// Incident is one past incident and its fix.
type Incident struct {
	Date  string `json:"date"`
	Event string `json:"event"`
	Fix   string `json:"fix"`
}

// Probe names a probe: its kind and id, nothing else.
type Probe struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
}

// frameLine is one published snapshot: its round state and the checks that
// changed since the previous frame (every check in a keyframe).
type frameLine struct {
	Type          string      `json:"type"`
	Seq           int         `json:"seq"`
	Time          time.Time   `json:"time"`
	Key           bool        `json:"key,omitempty"`
	Round         int         `json:"round"`
	RoundStarted  time.Time   `json:"round_started"`
	RoundFinished time.Time   `json:"round_finished"`
	Running       bool        `json:"running,omitempty"`
	Checks        []checkLine `json:"checks,omitempty"`
}

// checkLine is one check in a frame. With Same set only the identity,
// time, duration and in-flight mark are written: the result was taken again
// and came out identical.
type checkLine struct {
	ID       string        `json:"id"`
	Same     bool          `json:"same,omitempty"`
	Time     time.Time     `json:"time"`
	Duration time.Duration `json:"duration_ns"`
	InFlight bool          `json:"in_flight,omitempty"`
	History  []sampleLine  `json:"history,omitempty"` // samples added since the last frame, when not just this result's
	Result   *resultLine   `json:"result,omitempty"`
}

// resultLine is a probes.Result with every field (its own MarshalJSON keeps
// only the docs/contracts.md ones).
type resultLine struct {
	Component string         `json:"component"`
	Probe     string         `json:"probe"`
	Check     string         `json:"check"`
	Kind      string         `json:"kind,omitempty"`
	Impact    probes.Impact  `json:"impact"`
	Layer     string         `json:"layer"`
	Status    probes.Status  `json:"status"`
	Summary   string         `json:"summary"`
	Value     *float64       `json:"value"`
	Unit      string         `json:"unit,omitempty"`
	Evidence  map[string]any `json:"evidence,omitempty"`
	Err       string         `json:"error,omitempty"`
	Latent    bool           `json:"latent,omitempty"`
	For       time.Duration  `json:"for_ns,omitempty"`
	TimedOut  bool           `json:"timed_out,omitempty"`
	Warmup    bool           `json:"warmup,omitempty"`
	Probed    bool           `json:"probed,omitempty"`
}

// sampleLine is one history sample.
type sampleLine struct {
	Time   time.Time     `json:"t"`
	Status probes.Status `json:"s"`
	Value  *float64      `json:"v,omitempty"`
}

// eventLine is one timeline event from outside the probes: a fault toggled
// in the lab, an action taken.
type eventLine struct {
	Type string `json:"type"`
	incident.Event
}

// anyLine is what every line is first decoded as.
type anyLine struct {
	Type string `json:"type"`
}
