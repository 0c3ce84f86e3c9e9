package views

import (
	"strings"

	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Timeline draws the tracker's events newest first, one per line.
func Timeline(ctx *common.Context, w int) []string {
	st := ctx.Styles
	t := "── timeline (newest first) "
	out := []string{st.Focus.Render(text.Trunc(t+strings.Repeat("─", max(0, w-text.Width(t))), w))}
	if len(ctx.Events) == 0 {
		return append(out, st.Dim.Render(" no events yet: grade and check changes appear here"))
	}
	for i := len(ctx.Events) - 1; i >= 0; i-- {
		e := ctx.Events[i]
		kind := text.Fit(string(e.Kind), 6)
		if e.Kind == "grade" {
			kind = st.Bold.Render(kind)
		}
		out = append(out, text.Trunc(" "+st.Dim.Render(e.Time.Format("2006-01-02 15:04:05"))+" "+kind+" "+text.Sanitize(e.Text), w))
	}
	return out
}
