package views

import (
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Steps is the procedure walked over the live checks with the operator's
// overrides: what the guide, the incident cell and the override keys see.
func Steps(ctx *common.Context) []incident.Step {
	return incident.Walk(ctx.State.Assessment, ctx.State.Results, ctx.State.Overrides)
}

// Guide draws the runbook's procedure (docs/diagnosis.md) with each decision answered
// from the live checks or overridden by the operator, its evidence, and the
// step the operator is at; sel is the selected step (y/n/u act on it).
// stepAt is the line each step starts at, to keep the selection in view.
func Guide(ctx *common.Context, w, sel int) (lines []string, stepAt []int) {
	st := ctx.Styles
	t := "── guide: the procedure, answered from live checks "
	out := []string{st.Focus.Render(text.Trunc(t+strings.Repeat("─", max(0, w-text.Width(t))), w))}
	if !Ready(ctx) {
		return append(out, st.Probing.Render(" … probing — the walk starts when the first round is in")), nil
	}
	steps := Steps(ctx)
	qw := 0
	for _, s := range steps {
		qw = max(qw, text.Width(s.Question))
	}
	qw = min(qw, w/2)
	for i, s := range steps {
		stepAt = append(stepAt, len(out))
		mk := " "
		if s.Here {
			mk = st.Highlight.Render("▶")
		}
		ans := st.Status[probes.OK].Render("✔ " + s.Answer)
		switch {
		case s.Answer == "not watched":
			ans = st.Probing.Render("— not watched")
		case s.Answer == "can't tell":
			ans = st.Status[probes.Unknown].Render("? " + s.Answer)
		case s.Fault:
			ans = st.Status[probes.Crit].Render("✖ " + s.Answer)
		case i == 1:
			ans = s.Answer
		}
		if s.Overridden {
			ans += st.Focus.Render(" (overridden by operator: " + s.Answer + ")")
		}
		q := text.Fit(s.Question, qw)
		sm := " "
		if i == sel {
			q, sm = st.Selected.Render(q), "›"
		}
		line := fmt.Sprintf("%s%s%d %s %s", mk, sm, i+1, q, ans)
		if s.Here {
			line += st.Highlight.Render("  ◀ you are here")
		}
		out = append(out, text.Trunc(line, w))
		if s.Evidence != "" {
			out = append(out, text.Trunc("     "+st.Dim.Render("evidence: ")+text.Sanitize(s.Evidence), w))
		}
		if s.Overridden {
			out = append(out, text.Trunc("     "+st.Dim.Render("checks said: ")+s.Checks+st.Dim.Render(" · u clears"), w))
		}
		if (s.Fault || i == 0) && s.Action != "" {
			out = append(out, text.Trunc("     "+st.Bold.Render("do: ")+s.Action, w))
		}
	}
	out = append(out, "", st.Dim.Render(text.Trunc(" j/k select a step · y/n answer it yourself · u clears · the walk goes on from your answer", w)),
		st.Dim.Render(text.Trunc(" the leaves' actions are the guarded ones (K, R): nothing here runs anything.", w)))
	return out, stepAt
}
