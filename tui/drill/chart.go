package drill

import (
	"fmt"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// chartHeight is the history chart's height in lines.
const chartHeight = 4

// History draws a check's history as a bar chart of its values (the newest
// on the right, as many as fit in w), with its range and span; a check with
// no values gets its status history as glyphs.
func History(st *common.Styles, h []probes.Sample, unit string, w int) []string {
	if len(h) == 0 {
		return []string{st.Dim.Render("no history yet")}
	}
	var vals []float64
	for _, s := range h {
		if s.HasValue {
			vals = append(vals, s.Value)
		}
	}
	span := text.Age(h[len(h)-1].Time().Sub(h[0].Time()))
	if len(vals) == 0 {
		var b []rune
		for _, s := range h[max(0, len(h)-w):] {
			b = append(b, []rune(common.Glyphs[s.Status])...)
		}
		return []string{string(b), st.Dim.Render(fmt.Sprintf("%d samples over %s (status only)", len(h), span))}
	}
	labelW := 12
	cw := max(1, w-labelW-1)
	if len(vals) > cw {
		vals = vals[len(vals)-cw:]
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	base := min(lo, 0) // text.Chart grows bars from zero
	rows := text.Chart(vals, chartHeight)
	out := make([]string, len(rows))
	for i, r := range rows {
		label := ""
		switch i {
		case 0:
			label = text.Value(&hi, unit)
		case len(rows) - 1:
			label = text.Value(&base, unit)
		}
		out[i] = r + " " + st.Dim.Render(text.Trunc(label, labelW))
	}
	return append(out, st.Dim.Render(text.Trunc(fmt.Sprintf("%d samples over %s · min %s · max %s", len(h), span,
		text.Value(&lo, unit), text.Value(&hi, unit)), w)))
}
