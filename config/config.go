package config

import (
	"time"

	"github.com/fivelayer/triage/probes"
)

// Config is one estate, as written in triage.yaml (docs/config.md).
type Config struct {
	Estate      string          `yaml:"estate"`
	Environment string          `yaml:"environment"` // "production" frames the screen in the production colour
	Interval    probes.Duration `yaml:"interval"`
	Timeout     probes.Duration `yaml:"timeout"`
	// MaxPerAddress caps the probes running at once against one host:port
	// (0: probes.DefaultMaxPerAddress), so a round never floods a small server.
	MaxPerAddress int         `yaml:"max_per_address"`
	Core          []string    `yaml:"core"`
	Components    []Component `yaml:"components"`
	// Thresholds are overrides keyed "kind.check" (e.g. host.cpu).
	Thresholds map[string]probes.Threshold `yaml:"thresholds"`
	// Alerting is the hand-off to Alertmanager and the shape of exported rules.
	Alerting Alerting `yaml:"alerting"`
	// Incident is how the incident store keeps this estate's incidents.
	Incident IncidentStore `yaml:"incident"`

	// Source is where the config came from: a path, or "built-in default".
	Source string `yaml:"-"`
	// Default is true when no config file was found and the built-in default is in use.
	Default bool `yaml:"-"`
	// Warnings are non-fatal findings (a literal dsn, say), with line and column.
	Warnings []string `yaml:"-"`
	// Lint are findings about this machine rather than the file (a secret's
	// variable unset, a file missing, a restart command not found), with
	// line and column; `config validate` lists them.
	Lint []string `yaml:"-"`

	// probePos is where each probe is written: [component, probe] index.
	probePos map[[2]int]Issue
}

// Component is a named part of the estate: what to look at and what may be done to it.
type Component struct {
	Name      string        `yaml:"name"`
	Probes    []probes.Spec `yaml:"probes"`
	Actions   Actions       `yaml:"actions"`
	Knowledge Knowledge     `yaml:"knowledge"`
}

// Actions are the remediations a component allows; a nil action is not enabled.
type Actions struct {
	KillSession *KillSession `yaml:"kill_session"`
	Restart     *Restart     `yaml:"restart"`
	Switchover  *Switchover  `yaml:"switchover"`
}

// KillSession enables killing a blocking database session.
type KillSession struct {
	// MaxRowsModified refuses a kill whose rollback would exceed this many rows (0: default 100000).
	MaxRowsModified int64 `yaml:"max_rows_modified"`
}

// Restart enables restarting a service by running argv, locally or through ssh.
type Restart struct {
	Argv []string `yaml:"argv"`
	// Env is what the command's environment holds besides PATH, HOME and
	// LANG: NAME passes triage's value on, NAME=value sets one.
	Env      []string        `yaml:"env"`
	SSH      string          `yaml:"ssh"`
	Timeout  probes.Duration `yaml:"timeout"`
	Cooldown probes.Duration `yaml:"cooldown"`
}

// Switchover enables a planned switch to the standby component.
type Switchover struct {
	Standby                string   `yaml:"standby"`
	TrafficArgv            []string `yaml:"traffic_argv"`
	ReplicationUser        string   `yaml:"replication_user"`
	ReplicationPasswordEnv string   `yaml:"replication_password_env"`
}

// Knowledge is what the drill-down shows about a component besides its checks.
type Knowledge struct {
	DependsOn []string   `yaml:"depends_on"`
	Incidents []Incident `yaml:"incidents"`
	// Advice adds to (or, with replace, takes the place of) the built-in
	// advice for a check of this component (docs/diagnosis.md).
	Advice []Advice `yaml:"advice"`
}

// Advice is one piece of a component's own advice for a check.
type Advice struct {
	// Check is "kind/check", "probe/check", "check", or "*" for every check.
	Check string `yaml:"check"`
	Text  string `yaml:"text"`
	// Action is kill_session, kill_query, restart, switchover or failover;
	// it is offered only when enabled on the component.
	Action  string `yaml:"action"`
	Replace bool   `yaml:"replace"`
}

// Incident is one past incident and its fix.
type Incident struct {
	Date  string `yaml:"date"`
	Event string `yaml:"event"`
	Fix   string `yaml:"fix"`
}

// IncidentStore is how the incident store keeps the estate's incidents
// (docs/incidents.md).
type IncidentStore struct {
	// CloseAfter is how long the estate must stay green before its
	// incident closes (default 10m): a flap within it is the same incident.
	CloseAfter probes.Duration `yaml:"close_after"`
}

// DefaultCloseAfter is incident.close_after when the config does not set it.
const DefaultCloseAfter = 10 * time.Minute

// CloseAfterD is incident.close_after (default 10m).
func (i IncidentStore) CloseAfterD() time.Duration {
	if i.CloseAfter > 0 {
		return i.CloseAfter.D()
	}
	return DefaultCloseAfter
}

// IntervalD is the round interval (default 5s).
func (c *Config) IntervalD() time.Duration {
	if c.Interval > 0 {
		return c.Interval.D()
	}
	return 5 * time.Second
}

// TimeoutD is the default per-probe timeout (default 3s).
func (c *Config) TimeoutD() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout.D()
	}
	return 3 * time.Second
}

// SchedulerOptions are the scheduler settings the config holds.
func (c *Config) SchedulerOptions() probes.Options {
	return probes.Options{Interval: c.IntervalD(), MaxPerAddress: c.MaxPerAddress}
}

// Component returns the named component.
func (c *Config) Component(name string) (*Component, bool) {
	for i := range c.Components {
		if c.Components[i].Name == name {
			return &c.Components[i], true
		}
	}
	return nil, false
}

// ProbePosition is where the j-th probe of the i-th component is written
// (line 0 for a Config not parsed from a file), for errors found after
// parsing, such as a probe its kind cannot build.
func (c *Config) ProbePosition(i, j int) (line, col int) {
	pos := c.probePos[[2]int{i, j}]
	return pos.Line, pos.Col
}

// IsProduction reports whether the screen must wear the production frame.
func (c *Config) IsProduction() bool {
	return c.Environment == "production" || c.Environment == "prod"
}
