package views

import (
	"fmt"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Countdown is the SLA clock: "00:42:13 left", "overdue 00:03:10", or "" when green.
func Countdown(st incident.State, now time.Time) string {
	if st.Deadline.IsZero() || st.Grade == incident.Green {
		return ""
	}
	left := st.Remaining(now)
	if left < 0 {
		return "overdue " + text.Clock(left)
	}
	return text.Clock(left) + " left"
}

// Ready reports whether the grade means something yet: a round has finished
// or every check has a result. Before that the screen says "probing…"
// rather than a green that nobody has measured.
func Ready(ctx *common.Context) bool {
	e := ctx.Estate
	if e.Snap.Round > 0 {
		return true
	}
	for i := range e.Items {
		if !e.Items[i].State.Probed {
			return false
		}
	}
	return len(e.Items) > 0
}

// GradeLine is "RED system down · 00:42:13 left", coloured.
func GradeLine(ctx *common.Context) string {
	if !Ready(ctx) {
		return ctx.Styles.Probing.Render("… probing — first round running")
	}
	g := ctx.State.Grade
	s := ctx.Styles.GradeText(g) + " " + g.Meaning()
	if c := Countdown(ctx.State, ctx.Now()); c != "" {
		style := ctx.Styles.Bold
		if strings.HasPrefix(c, "overdue") {
			style = ctx.Styles.Error.Bold(true)
		}
		s += " · " + style.Render(c)
	}
	return s
}

// Incident draws the summary cell of the main grid (the header already
// shows grade, clock and reason): the likely causes, where the procedure
// stands and what it says to do, `for:` holds, and the latest events;
// exactly h lines of w cells.
func Incident(ctx *common.Context, w, h int) []string {
	st := ctx.Styles
	t := "─ incident "
	lines := []string{st.Dim.Render(t + strings.Repeat("─", max(0, w-text.Width(t))))}
	if !Ready(ctx) {
		lines = append(lines, " "+GradeLine(ctx))
	} else {
		d := ctx.State.Diagnosis
		if top := d.Top(); top == nil {
			msg := "no root cause: every estate check ok"
			if len(d.Observer) > 0 {
				msg = "no estate cause; only the machine triage runs on: " + strings.Join(d.Observer, ", ")
			}
			lines = append(lines, " "+st.Dim.Render("cause: ")+text.Sanitize(msg))
		} else {
			cause := fmt.Sprintf("%s %s: %s", top.CheckID, top.Status, top.Summary)
			if n := len(d.RootCauses) - 1; n > 0 {
				cause += fmt.Sprintf(" (+%d more)", n)
			}
			// cause and advice wrap into the lines the cell has to spare
			// (the events below them are older news); otherwise one line each.
			spare := h - 6
			wrap := func(label string, style func(...string) string, body string) {
				ls := text.Wrap(label+body, w-1)
				if len(ls)-1 > spare {
					lines = append(lines, text.Trunc(" "+style(label+body), w))
					return
				}
				spare -= len(ls) - 1
				for _, l := range ls {
					lines = append(lines, " "+style(l))
				}
			}
			wrap("cause: ", st.Status[top.Status].Render, text.Sanitize(cause))
			if len(top.Chain) > 1 {
				lines = append(lines, text.Trunc(" "+st.Dim.Render("chain: ")+text.Sanitize(strings.Join(top.Chain, " → ")), w))
			}
			if len(top.Advice) > 0 {
				wrap("do: ", st.Bold.Render, text.Sanitize(incident.AdviceLine(top.Advice[0])))
			}
		}
		for i, s := range Steps(ctx) {
			if s.Here {
				lines = append(lines, text.Trunc(" "+st.Dim.Render("guide: ")+fmt.Sprintf("step %d %s %s", i+1, s.Question, s.Answer), w))
				break
			}
		}
		if n := len(ctx.State.Pending); n > 0 {
			lines = append(lines, " "+st.Dim.Render(text.Number(float64(n))+" check(s) held by for:"))
		}
	}
	for i := len(ctx.Events) - 1; i >= 0 && len(lines) < h; i-- {
		e := ctx.Events[i]
		lines = append(lines, " "+st.Dim.Render(e.Time.Format("15:04:05"))+" "+text.Sanitize(e.Text))
	}
	return text.Block(lines, w, h)
}
