package views

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Wall draws the war-room view in exactly h lines of w cells: the grade in
// large letters, the SLA clock large, the reason and the five layers. It is
// read-only: it lists no keys that act.
func Wall(ctx *common.Context, w, h int) []string {
	st := ctx.Styles
	var out []string
	center := func(s string) string {
		pad := max(0, (w-text.Width(s))/2)
		return strings.Repeat(" ", pad) + s
	}
	big := func(s string, style lipgloss.Style) {
		for _, l := range Big(s) {
			out = append(out, center(style.Render(l)))
		}
	}
	if !Ready(ctx) {
		big("probing", st.Probing)
	} else {
		g := ctx.State.Grade
		big(g.String(), st.Grade[g])
		out = append(out, "", center(st.Bold.Render(strings.ToUpper(g.Meaning()))))
		if c := Countdown(ctx.State, ctx.Now()); c != "" {
			clock, label := strings.TrimSuffix(c, " left"), "left to the deadline"
			if strings.HasPrefix(c, "overdue") {
				clock, label = strings.TrimPrefix(c, "overdue "), "OVERDUE"
			}
			out = append(out, "")
			if h >= 30 {
				big(clock, st.Bold)
			} else {
				out = append(out, center(st.Bold.Render(clock)))
			}
			out = append(out, center(label))
		}
		out = append(out, "", center(text.Trunc(text.Sanitize(ctx.State.Reason), w-4)))
	}
	out = append(out, "")
	for _, lv := range ctx.Estate.Layers {
		status, count := st.Probing.Render("… probing"), text.Number(float64(lv.Total))+" checks"
		switch {
		case lv.Total == 0:
			status, count = st.Probing.Render("— not watched"), "no checks"
		case lv.Probed > 0:
			status = st.StatusText(lv.Status)
		}
		if lv.Total == 1 {
			count = "1 check"
		}
		row := st.Bold.Render(text.Fit(strings.ToUpper(lv.Layer.String()), 14)) + text.Fit(status, 15) + st.Dim.Render(count)
		out = append(out, center(row))
	}
	if pad := (h - len(out)) / 2; pad > 0 {
		out = append(make([]string, pad), out...)
	}
	return text.Block(out, w, h)
}
