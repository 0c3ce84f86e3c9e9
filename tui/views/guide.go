package views

import (
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Guide draws the seed's procedure (SPEC §5) with each decision answered
// from the live checks, its evidence, and the step the operator is at.
func Guide(ctx *common.Context, w int) []string {
	st := ctx.Styles
	t := "── guide: the procedure, answered from live checks "
	out := []string{st.Focus.Render(text.Trunc(t+strings.Repeat("─", max(0, w-text.Width(t))), w))}
	if !Ready(ctx) {
		return append(out, st.Probing.Render(" … probing — the walk starts when the first round is in"))
	}
	steps := incident.Walk(ctx.State.Assessment, ctx.Estate.Results)
	qw := 0
	for _, s := range steps {
		qw = max(qw, text.Width(s.Question))
	}
	qw = min(qw, w/2)
	for i, s := range steps {
		mk := " "
		if s.Here {
			mk = st.Highlight.Render("▶")
		}
		ans := st.Status[probes.OK].Render("✔ " + s.Answer)
		switch {
		case s.Answer == "can't tell":
			ans = st.Status[probes.Unknown].Render("? " + s.Answer)
		case s.Fault:
			ans = st.Status[probes.Crit].Render("✖ " + s.Answer)
		case i == 1:
			ans = s.Answer
		}
		line := fmt.Sprintf("%s %d %s %s", mk, i+1, text.Fit(s.Question, qw), ans)
		if s.Here {
			line += st.Highlight.Render("  ◀ you are here")
		}
		out = append(out, text.Trunc(line, w))
		if s.Evidence != "" {
			out = append(out, text.Trunc("     "+st.Dim.Render("evidence: ")+text.Sanitize(s.Evidence), w))
		}
		if (s.Fault || i == 0) && s.Action != "" {
			out = append(out, text.Trunc("     "+st.Bold.Render("do: ")+s.Action, w))
		}
	}
	return append(out, "", st.Dim.Render(text.Trunc(" actions at the leaves arrive with the guarded remediation; nothing here runs anything.", w)))
}
