package drill

import (
	"strings"

	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Action is one remediation a component may allow, as the drill-down lists it.
type Action struct {
	Key     string // the key that opens its dialog: K, Q, R, S, F
	Name    string // config name: kill_session, restart, switchover
	Label   string // what it does, exactly
	Enabled bool   // the component's config enables it
	// Applies: enabled, and the component has what the action acts
	// through (a MySQL probe for K and Q). Only these are offered.
	Applies bool
	Why     string // why it cannot run now; "" when its key opens the dialog
}

// NoGuard is why an enabled action cannot run on a screen without a guard.
const NoGuard = "not available: no guard"

// Actions lists the actions for a component with what they do and, for
// those that cannot run, why: not enabled in config, read-only or replay
// mode, or no guard on this screen. Cooldowns and live preconditions are
// the guard's to tell, in the dialog.
func Actions(ctx *common.Context, component string) []Action {
	acts := []Action{
		{Key: "K", Name: "kill_session", Label: "kill the root blocker (KILL CONNECTION)"},
		{Key: "Q", Name: "kill_session", Label: "kill its statement only (KILL QUERY, keeps locks)"},
		{Key: "R", Name: "restart", Label: "restart the service"},
		{Key: "S", Name: "switchover", Label: "switch to the standby"},
		{Key: "F", Name: "switchover", Label: "failover to the standby (primary gone)"},
	}
	if comp := ctx.Component(component); comp != nil {
		a := comp.Actions
		if a.KillSession != nil {
			acts[0].Enabled, acts[1].Enabled = true, true
		}
		if a.Restart != nil {
			acts[2].Enabled = true
			if len(a.Restart.Argv) > 0 {
				acts[2].Label = "restart: " + text.Sanitize(strings.Join(a.Restart.Argv, " "))
			}
			if a.Restart.SSH != "" {
				acts[2].Label += " via ssh " + text.Sanitize(a.Restart.SSH)
			}
		}
		if a.Switchover != nil {
			acts[3].Enabled, acts[4].Enabled = true, true
			acts[3].Label = "switch to standby " + text.Sanitize(a.Switchover.Standby)
			acts[4].Label = "failover to " + text.Sanitize(a.Switchover.Standby) + " (primary gone)"
		}
	}
	hasMySQL := false
	if comp := ctx.Component(component); comp != nil {
		for _, p := range comp.Probes {
			hasMySQL = hasMySQL || p.Kind == "mysql"
		}
	}
	for i := range acts {
		acts[i].Applies = acts[i].Enabled && (acts[i].Name != "kill_session" || hasMySQL)
		switch {
		case !acts[i].Enabled:
			acts[i].Why = "not enabled in config"
		case ctx.Mode == common.ReadOnly:
			acts[i].Why = "read-only mode"
		case ctx.Mode == common.Replay:
			acts[i].Why = "replay: nothing runs"
		case !ctx.Guarded:
			acts[i].Why = NoGuard
		case ctx.Viewer():
			acts[i].Why = "viewer: this SSH key may watch, not act"
		}
	}
	return acts
}

// Offered lists the keys of the actions that apply to a component, in
// the order of Actions: what the footer and the drill-down offer.
func Offered(ctx *common.Context, component string) []string {
	var keys []string
	for _, a := range Actions(ctx, component) {
		if a.Applies {
			keys = append(keys, a.Key)
		}
	}
	return keys
}

// ActionFor returns the action bound to key ("K", "Q", "R", "S", "F") for a component.
func ActionFor(ctx *common.Context, component, key string) (Action, bool) {
	for _, a := range Actions(ctx, component) {
		if a.Key == key {
			return a, true
		}
	}
	return Action{}, false
}

// actionLines lists the actions that apply to the component; the others
// are not offered (a restart key on a database with no restart command
// would only teach the operator to ignore the list).
func actionLines(ctx *common.Context, component string, w int) []string {
	var out []string
	for _, a := range Actions(ctx, component) {
		if !a.Applies {
			continue
		}
		var why string
		switch a.Why {
		case "":
			why = ctx.Styles.Dim.Render("press " + a.Key + " to preview")
		case NoGuard:
			why = ctx.Styles.Dim.Render(a.Why)
		default:
			why = ctx.Styles.Dim.Render("disabled: " + a.Why)
		}
		out = append(out, text.Trunc(" "+ctx.Styles.Bold.Render(a.Key)+"  "+a.Label+" — "+why, w))
	}
	if len(out) == 0 {
		out = append(out, ctx.Styles.Dim.Render(text.Trunc(" none enabled for this component (actions: in its config)", w)))
	}
	return out
}
