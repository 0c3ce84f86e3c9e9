package drill

import (
	"strings"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/remedy/catalog"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Action is one remediation a component may allow, as the drill-down lists it.
type Action struct {
	Key     string // the key that opens its dialog: K, Q, R, S, F (catalog)
	Name    string // config section that enables it: kill_session, restart, switchover
	Label   string // what it does, exactly
	Enabled bool   // the component's config enables it
	// Applies: enabled, and the component has what the action acts
	// through (a MySQL probe for K and Q). Only these are offered.
	Applies bool
	Why     string // why it cannot run now; "" when its key opens the dialog
}

// NoGuard is why an enabled action cannot run on a screen without a guard.
const NoGuard = "not available: no guard"

// Actions lists the actions of the catalog (probes/remedy/catalog) for a
// component with what they do and, for those that cannot run, why: not
// enabled in config, read-only or replay mode, or no guard on this screen.
// Cooldowns and live preconditions are the guard's to tell, in the dialog.
func Actions(ctx *common.Context, component string) []Action {
	comp := ctx.Component(component)
	var acts []Action
	for _, s := range catalog.All() {
		a := Action{Key: s.Key, Name: s.Section, Label: s.Label}
		if comp != nil {
			a.Enabled = comp.Actions.Enables(s.Kind)
			a.Label = label(s, comp.Actions, a.Label)
			has := s.Probe == ""
			for _, p := range comp.Probes {
				has = has || p.Kind == s.Probe
			}
			a.Applies = a.Enabled && has
		}
		switch {
		case !a.Enabled:
			a.Why = "not enabled in config"
		case ctx.Mode == common.ReadOnly:
			a.Why = "read-only mode"
		case ctx.Mode == common.Replay:
			a.Why = "replay: nothing runs"
		case !ctx.Guarded:
			a.Why = NoGuard
		case ctx.Viewer():
			a.Why = "viewer: this SSH key may watch, not act"
		}
		acts = append(acts, a)
	}
	return acts
}

// label names what the configured action runs: the restart's argv and
// host, the standby a switchover or failover promotes.
func label(s catalog.Spec, a config.Actions, generic string) string {
	switch {
	case s.Kind == catalog.Restart && a.Restart != nil:
		out := generic
		if len(a.Restart.Argv) > 0 {
			out = "restart: " + text.Sanitize(strings.Join(a.Restart.Argv, " "))
		}
		if a.Restart.SSH != "" {
			out += " via ssh " + text.Sanitize(a.Restart.SSH)
		}
		return out
	case s.Kind == catalog.Switchover && a.Switchover != nil:
		return "switch to standby " + text.Sanitize(a.Switchover.Standby)
	case s.Kind == catalog.Failover && a.Switchover != nil:
		return "failover to " + text.Sanitize(a.Switchover.Standby) + " (primary gone)"
	}
	return generic
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
