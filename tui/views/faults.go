package views

import (
	"fmt"
	"strings"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Faults draws the lab's fault panel: one numbered line per fault with its
// state in words (never colour alone), then what the selected fault does
// and teaches. busy is the key of a fault being switched.
func Faults(ctx *common.Context, faults []common.Fault, cursor int, busy string, w int) []string {
	st := ctx.Styles
	t := "── lab faults · 1-" + fmt.Sprint(len(faults)) + " or enter toggles · esc closes "
	out := []string{st.Focus.Render(text.Trunc(t+strings.Repeat("─", max(0, w-text.Width(t))), w)), ""}
	if len(faults) == 0 {
		return append(out, st.Dim.Render(" this estate has no faults to inject"))
	}
	nameW, numW := 4, len(fmt.Sprint(len(faults))) // numbers right-aligned: " 9" above "10"
	active := 0
	for _, f := range faults {
		nameW = max(nameW, text.Width(f.Name))
		if f.Active {
			active++
		}
	}
	for i, f := range faults {
		mark := "  "
		if i == cursor {
			mark = st.Focus.Render("› ")
		}
		state := st.Dim.Render("[ off ]")
		switch {
		case f.Key == busy:
			state = st.Probing.Render("[ ... ]")
		case f.Active:
			state = st.Status[probes.Crit].Render("[ ON  ]")
		}
		name := text.Fit(text.Sanitize(f.Name), nameW)
		if i == cursor {
			name = st.Bold.Render(name)
		}
		out = append(out, text.Trunc(fmt.Sprintf(" %s%*d %s %s  %s", mark, numW, i+1, state, name, st.Dim.Render(f.Layer.String())), w))
	}
	out = append(out, "", st.Dim.Render(text.Trunc(fmt.Sprintf(" %d of %d active", active, len(faults)), w)))
	if cursor >= 0 && cursor < len(faults) {
		f := faults[cursor]
		out = append(out, "", " "+st.Bold.Render(text.Trunc(text.Sanitize(f.Name)+" · "+f.Layer.String()+" layer", w-1)))
		for _, l := range text.Wrap(text.Sanitize(f.Description), max(w-2, 10)) {
			out = append(out, "  "+l)
		}
	}
	return out
}
