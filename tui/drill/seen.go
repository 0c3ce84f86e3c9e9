package drill

import (
	"fmt"
	"time"

	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// maxSeen bounds the stored incidents listed per check: the newest say
// what fixed it last.
const maxSeen = 3

// seenBefore lists the stored incidents whose root cause was one of this
// component's checks (docs/incidents.md): when, how bad, how long to
// recover, and what fixed it, beside the config's history above.
func (m Model) seenBefore(ctx *common.Context, w int) []string {
	if ctx.SeenBefore == nil || ctx.Estate == nil {
		return nil
	}
	st := ctx.Styles
	var out []string
	for _, i := range ctx.Estate.ByComponent[m.component] {
		id := ctx.Estate.Items[i].State.ID
		past := ctx.SeenBefore(id)
		if len(past) == 0 {
			continue
		}
		head := fmt.Sprintf("seen before: %s was the root cause of %d stored incident", text.Sanitize(id), len(past))
		if len(past) > 1 {
			head += "s"
		}
		for _, l := range text.Wrap(head, w-1) {
			out = append(out, " "+st.Bold.Render(l))
		}
		for k, p := range past {
			if k == maxSeen {
				out = append(out, st.Dim.Render(fmt.Sprintf("   … %d older (triage incidents)", len(past)-maxSeen)))
				break
			}
			line := fmt.Sprintf("#%d %s %s, recovered in %s", p.ID, p.Started.Local().Format("2006-01-02 15:04"), p.Worst,
				recovery(p.Recovered.Sub(p.Started)))
			out = append(out, text.Trunc("   "+line, w))
			fix := "fixed by: no action recorded before recovery"
			if p.Fix != "" {
				fix = "fixed by: " + text.Sanitize(p.Fix)
			}
			for _, l := range text.Wrap(fix, w-5) {
				out = append(out, "     "+l)
			}
		}
	}
	return out
}

// recovery is a time to recover as h:mm:ss.
func recovery(d time.Duration) string {
	s := int(max(d, 0) / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}
