package common

import (
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/incident"
)

// Mode is how the screen was started; it is always shown in the header.
type Mode int

// Modes.
const (
	Live Mode = iota
	ReadOnly
	Lab
	Replay
)

// String is the mode as the header shows it: LIVE, READ-ONLY, LAB, REPLAY.
func (m Mode) String() string {
	switch m {
	case ReadOnly:
		return "READ-ONLY"
	case Lab:
		return "LAB"
	case Replay:
		return "REPLAY"
	}
	return "LIVE"
}

// Context is the state every component reads and none owns: the root model
// keeps one and passes it down.
type Context struct {
	Config *config.Config // never nil (an empty config when none was given)
	Styles *Styles
	Mode   Mode
	Now    func() time.Time
	Estate *Estate          // latest digested snapshot
	State  incident.State   // latest grading
	Events []incident.Event // timeline, oldest first
	// Guarded reports that a remediation guard is wired: without one (tests,
	// replay) the actions are listed as not available.
	Guarded bool
	// Keys is the screen's one key map: every child matches keys against it,
	// and the help and the footers are drawn from it.
	Keys *KeyMap
	// SeenBefore returns the estate's closed incidents whose root cause was
	// a check, newest first, from the incident store's memory (cheap enough
	// to call while drawing); nil when there is no store.
	SeenBefore func(checkID string) []incident.Past
	// Role is who watches over SSH ("viewer", "operator"); "" locally. A
	// viewer's actions are listed as not available: the guard refuses them.
	Role string
}

// Viewer reports that this screen is an SSH viewer's: it may watch, not act.
func (c *Context) Viewer() bool { return c.Role == "viewer" }

// Component returns the configured component, or nil when the name is not in
// the config (fleet probes create components at run time).
func (c *Context) Component(name string) *config.Component {
	if c.Config == nil {
		return nil
	}
	comp, _ := c.Config.Component(name)
	return comp
}

// Core reports whether a component is core (a crit check there means red).
func (c *Context) Core(name string) bool {
	if t := c.State.Topology; t != nil { // the core role follows a switchover
		return t.Core(name)
	}
	if c.Config == nil {
		return false
	}
	for _, n := range c.Config.Core {
		if n == name {
			return true
		}
	}
	return false
}
