package app

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
)

// unitProperties are the properties `systemctl show` is asked for.
var unitProperties = []string{"ActiveState", "SubState", "NRestarts", "ActiveEnterTimestamp", "ExecMainStatus", "LoadState", "Result"}

// unitState is a unit as `systemctl show` reports it.
type unitState struct {
	LoadState, ActiveState, SubState, Result string
	NRestarts                                int
	ExecMainStatus                           int
	ActiveEnter                              string    // as printed, empty when never active
	ActiveSince                              time.Time // parsed ActiveEnter, zero when unknown
}

// activeEnterLayouts are the ways systemctl prints a timestamp (LC_ALL=C).
var activeEnterLayouts = []string{"Mon 2006-01-02 15:04:05 MST", "Mon 2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 MST"}

// parseUnitShow reads `systemctl show --property=...` output (KEY=VALUE lines).
func parseUnitShow(out []byte) (unitState, error) {
	var u unitState
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		seen[k] = true
		switch k {
		case "LoadState":
			u.LoadState = v
		case "ActiveState":
			u.ActiveState = v
		case "SubState":
			u.SubState = v
		case "Result":
			u.Result = v
		case "NRestarts":
			u.NRestarts, _ = strconv.Atoi(v)
		case "ExecMainStatus":
			u.ExecMainStatus, _ = strconv.Atoi(v)
		case "ActiveEnterTimestamp":
			if v == "n/a" {
				v = ""
			}
			u.ActiveEnter = v
			u.ActiveSince = parseSystemdTime(v)
		}
	}
	if !seen["LoadState"] || !seen["ActiveState"] {
		return u, fmt.Errorf("unexpected systemctl output (no LoadState/ActiveState): %.200q", out)
	}
	return u, nil
}

// parseSystemdTime reads a systemctl timestamp; "@UNIX" as --timestamp=unix prints it.
func parseSystemdTime(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	if s, ok := strings.CutPrefix(v, "@"); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0)
		}
	}
	for _, l := range activeEnterLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// gradeUnit grades a unit: not found, masked, failed or stopped is crit;
// activating, deactivating or maintenance warns; a restart count above th
// (crit > 5 by default) grades by th; restarts since the previous round warn
// (a crash loop in progress). prevRestarts is nil on the first round.
func gradeUnit(name string, u unitState, prevRestarts *int, th probes.Threshold, now time.Time) (probes.Status, string) {
	state := u.ActiveState
	if u.SubState != "" {
		state += " (" + u.SubState + ")"
	}
	switch u.LoadState {
	case "not-found":
		return probes.Crit, fmt.Sprintf("unit %s not found", name)
	case "masked":
		return probes.Crit, fmt.Sprintf("unit %s is masked: %s", name, state)
	case "error", "bad-setting":
		return probes.Crit, fmt.Sprintf("unit %s failed to load (%s)", name, u.LoadState)
	}
	st := probes.OK
	var s strings.Builder
	s.WriteString(state)
	switch u.ActiveState {
	case "active", "reloading":
		if !u.ActiveSince.IsZero() {
			fmt.Fprintf(&s, " since %s (%s)", u.ActiveEnter, roundAge(now.Sub(u.ActiveSince)))
		}
	case "failed":
		st = probes.Crit
		fmt.Fprintf(&s, ": result %s, exit status %d", u.Result, u.ExecMainStatus)
	case "inactive":
		st = probes.Crit
	default: // activating, deactivating, maintenance
		st = probes.Warn
	}
	rs := probes.Worst(st, th.Grade(float64(u.NRestarts)))
	fmt.Fprintf(&s, ", %d restarts", u.NRestarts)
	if rs != st {
		st = rs
		s.WriteString(" (" + breach(th, rs, "") + ")")
	}
	if prevRestarts != nil && u.NRestarts > *prevRestarts {
		st = probes.Worst(st, probes.Warn)
		fmt.Fprintf(&s, ", %d since last round (crash loop?)", u.NRestarts-*prevRestarts)
	}
	return st, s.String()
}

// roundAge prints an age coarsely: 45s, 12m, 3h10m, 4d2h.
func roundAge(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}
