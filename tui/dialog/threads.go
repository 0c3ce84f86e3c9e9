package dialog

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui/common"
)

// Threads are the sessions a kill may target on component, from its mysql
// lock_waits evidence: root blockers first, then the other blocking
// sessions, then the waiting ones; each once.
func Threads(ctx *common.Context, component string) []int64 {
	if ctx.Estate == nil {
		return nil
	}
	for _, i := range ctx.Estate.ByComponent[component] {
		it := &ctx.Estate.Items[i]
		if it.Check == "lock_waits" && it.State != nil && it.State.Probed {
			return threadsFrom(it.State.Evidence)
		}
	}
	return nil
}

// threadsFrom reads root_blockers and waits[].blocking_thread and
// .waiting_thread, whatever numeric type the evidence holds.
func threadsFrom(ev map[string]any) []int64 {
	var shape struct {
		Roots []int64 `json:"root_blockers"`
		Waits []struct {
			Blocking int64 `json:"blocking_thread"`
			Waiting  int64 `json:"waiting_thread"`
		} `json:"waits"`
	}
	b, err := json.Marshal(ev)
	if err != nil || json.Unmarshal(b, &shape) != nil {
		return nil
	}
	var out []int64
	seen := map[int64]bool{0: true}
	add := func(t int64) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, t := range shape.Roots {
		add(t)
	}
	for _, w := range shape.Waits {
		add(w.Blocking)
	}
	for _, w := range shape.Waits {
		add(w.Waiting)
	}
	return out
}

// EventText is an outcome as one timeline line, e.g. "kill connection
// 4711: done (verified)"; the label's parenthesis is left out.
func EventText(o remedy.Outcome, err error) string {
	what := o.Plan.Label
	if i := strings.Index(what, " ("); i > 0 {
		what = what[:i]
	}
	if what == "" {
		what = fmt.Sprintf("%s %s", o.Plan.Action, o.Plan.Component)
	}
	if err == nil {
		err = o.Err
	}
	var s string
	switch {
	case o.Result == remedy.ResultNotRecorded:
		s = what + ": " + o.Headline()
	case o.Result == remedy.ResultDone && o.Verified:
		s = what + ": done (verified)"
	case o.Result == remedy.ResultDone:
		s = what + ": done (NOT verified)"
	case err != nil:
		s = what + ": " + o.Result + " (" + err.Error() + ")"
	default:
		s = what + ": " + o.Result
	}
	if o.Plan.Reason != "" {
		s += " — reason: " + o.Plan.Reason
	}
	if o.Plan.Operator != "" {
		s += " — by " + o.Plan.Operator
	}
	return s
}
