package views

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Wall draws the war-room view in exactly h lines of w cells: the grade in
// large letters, the SLA clock, the root cause's component in large
// letters with its check and summary, and the five layers. Type grows with
// the screen so that it reads from across a room. It is read-only: it
// lists no keys that act.
func Wall(ctx *common.Context, w, h int) []string {
	st := ctx.Styles
	var out []string
	center := func(s string) string {
		pad := max(0, (w-text.Width(s))/2)
		return strings.Repeat(" ", pad) + s
	}
	big := func(s string, k int, style lipgloss.Style) {
		lines := BigScaled(s, k)
		if text.Width(lines[0]) > w { // too long for the screen even at 1: plain bold
			out = append(out, center(style.Bold(true).Render(text.Trunc(strings.ToUpper(s), w))))
			return
		}
		for _, l := range lines {
			out = append(out, center(style.Render(l)))
		}
	}
	if !Ready(ctx) {
		big("probing", 1, st.Probing)
		return text.Block(padTop(append(out, layerRows(ctx, w)...), h), w, h)
	}
	g := ctx.State.Grade
	top := ctx.State.Diagnosis.Top()
	clock, label := "", ""
	if c := Countdown(ctx.State, ctx.Now()); c != "" {
		clock, label = strings.TrimSuffix(c, " left"), "left to the deadline"
		if strings.HasPrefix(c, "overdue") {
			clock, label = strings.TrimPrefix(c, "overdue "), "OVERDUE"
		}
	}
	nBig := 1
	if top != nil {
		nBig++
	}
	if clock != "" && h >= 30 {
		nBig++
	}
	// The grade takes the height the rest leaves (about 19 lines of text
	// and 5 for each other big line); the clock and the cause stay at 1.
	k := max(1, min((w-4)/max(text.Width(bigRows(g.String())[0]), 1), (h-19-5*(nBig-1))/5, 4))
	big(g.String(), k, st.Grade[g])
	out = append(out, "", center(st.Bold.Render(strings.ToUpper(g.Meaning()))))
	if clock != "" {
		out = append(out, "")
		if h >= 30 {
			big(clock, 1, st.Bold)
		} else {
			out = append(out, center(st.Bold.Render(clock)))
		}
		out = append(out, center(label))
	}
	out = append(out, "")
	if top != nil {
		if h >= 30 {
			big(top.Component, 1, st.Status[top.Status])
			out = append(out, "")
		}
		cause := text.Sanitize(fmt.Sprintf("root cause: %s %s: %s", top.CheckID, top.Status, top.Summary))
		if h < 30 { // a short screen keeps the five layers: one line of cause, no advice
			out = append(out, center(st.Bold.Render(text.Trunc(cause, w-4))))
		}
		for _, l := range text.Wrap(cause, w-4) {
			if h < 30 {
				break
			}
			out = append(out, center(st.Bold.Render(l)))
		}
		if len(top.Advice) > 0 && h >= 30 {
			for _, l := range text.Wrap(text.Sanitize("do: "+incident.AdviceLine(top.Advice[0])), w-4) {
				out = append(out, center(l))
			}
		}
	} else {
		out = append(out, center(text.Trunc(text.Sanitize(ctx.State.Reason), w-4)))
	}
	out = append(out, "")
	return text.Block(padTop(append(out, layerRows(ctx, w)...), h), w, h)
}

// layerRows are the five layers, one aligned row each: name, status and
// how many checks, centred as one block so that the columns line up.
func layerRows(ctx *common.Context, w int) []string {
	st := ctx.Styles
	rows := make([]string, 0, len(ctx.Estate.Layers))
	for _, lv := range ctx.Estate.Layers {
		status := st.Probing.Render("… probing")
		switch {
		case lv.Total == 0:
			status = st.Probing.Render("— not watched")
		case lv.Probed > 0:
			status = st.StatusText(lv.Status)
		}
		rows = append(rows, st.Bold.Render(text.Fit(strings.ToUpper(lv.Layer.String()), 14))+text.Fit(status, 15)+st.Dim.Render(checks(lv.Total)))
	}
	bw := 0
	for _, r := range rows {
		bw = max(bw, text.Width(r))
	}
	pad := strings.Repeat(" ", max(0, (w-bw)/2))
	for i, r := range rows {
		rows[i] = pad + r
	}
	return rows
}

// checks is "no checks", "1 check", "7 checks".
func checks(n int) string {
	switch n {
	case 0:
		return "no checks"
	case 1:
		return "1 check"
	}
	return text.Number(float64(n)) + " checks"
}

// padTop centres the view's lines vertically in h.
func padTop(out []string, h int) []string {
	if pad := (h - len(out)) / 2; pad > 0 {
		out = append(make([]string, pad), out...)
	}
	return out
}
