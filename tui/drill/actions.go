package drill

import (
	"strings"

	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Action is one remediation a component may allow, as the drill-down lists it.
// Until the remediation issue lands none is available; the list says why.
type Action struct {
	Key     string // the key that will start it: K, R, S
	Name    string // config name: kill_session, restart, switchover
	Label   string // what it does, exactly
	Enabled bool   // the component's config enables it
	Why     string // why it cannot run now
}

// NotYet is what an enabled action says until the guarded actions exist.
const NotYet = "not yet available in this build"

// Actions lists the three actions for a component with what they would do
// and why each cannot run now: not enabled in config, read-only or replay
// mode, or not yet available in this build.
func Actions(ctx *common.Context, component string) []Action {
	acts := []Action{
		{Key: "K", Name: "kill_session", Label: "kill a blocking session (KILL or KILL QUERY)"},
		{Key: "R", Name: "restart", Label: "restart the service"},
		{Key: "S", Name: "switchover", Label: "switch to the standby"},
	}
	if comp := ctx.Component(component); comp != nil {
		a := comp.Actions
		if a.KillSession != nil {
			acts[0].Enabled = true
		}
		if a.Restart != nil {
			acts[1].Enabled = true
			if len(a.Restart.Argv) > 0 {
				acts[1].Label = "restart: " + text.Sanitize(strings.Join(a.Restart.Argv, " "))
			}
			if a.Restart.SSH != "" {
				acts[1].Label += " via ssh " + text.Sanitize(a.Restart.SSH)
			}
		}
		if a.Switchover != nil {
			acts[2].Enabled = true
			acts[2].Label = "switch to standby " + text.Sanitize(a.Switchover.Standby)
		}
	}
	for i := range acts {
		switch {
		case !acts[i].Enabled:
			acts[i].Why = "not enabled in config"
		case ctx.Mode == common.ReadOnly:
			acts[i].Why = "read-only mode"
		case ctx.Mode == common.Replay:
			acts[i].Why = "replay: nothing runs"
		default:
			acts[i].Why = NotYet
		}
	}
	return acts
}

// ActionFor returns the action bound to key ("K", "R", "S") for a component.
func ActionFor(ctx *common.Context, component, key string) (Action, bool) {
	for _, a := range Actions(ctx, component) {
		if a.Key == key {
			return a, true
		}
	}
	return Action{}, false
}

func actionLines(ctx *common.Context, component string, w int) []string {
	var out []string
	for _, a := range Actions(ctx, component) {
		why := a.Why
		if a.Enabled && why == NotYet {
			why = ctx.Styles.Dim.Render(why)
		} else {
			why = ctx.Styles.Dim.Render("disabled: " + why)
		}
		out = append(out, text.Trunc(" "+ctx.Styles.Bold.Render(a.Key)+"  "+a.Label+" — "+why, w))
	}
	return out
}
