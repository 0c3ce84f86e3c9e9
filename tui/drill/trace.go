package drill

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/network"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Trace is the path trace panel (T): a child model shown over the
// drill-down, running, done, or saying why there is none.
type Trace struct {
	component string
	seq       int    // which request the panel waits for: older answers are dropped
	host      string // traced host, from the component's probe specs
	why       string // no host to trace: why
	limits    string // "at most 30 hops within 30s"
	running   bool
	res       network.TraceResult
	err       error
	offset    int
}

// TraceTarget is the host a path trace of component goes to: the host of the
// first probe spec with an address or a URL, or the name a dns probe
// resolves. Without one, why says so.
func TraceTarget(ctx *common.Context, component string) (host, why string) {
	comp := ctx.Component(component)
	if comp == nil {
		return "", component + " is not in the config: no probe names a host to trace"
	}
	if h := specHost(comp); h != "" {
		return h, ""
	}
	return "", component + " has no probe with an address, a URL or a DNS name: nothing to trace"
}

func specHost(comp *config.Component) string {
	for _, s := range comp.Probes {
		if s.Address != "" {
			if h, _, err := net.SplitHostPort(s.Address); err == nil {
				return h
			}
			return s.Address
		}
		if s.URL != "" {
			if u, err := url.Parse(s.URL); err == nil && u.Hostname() != "" {
				return u.Hostname()
			}
		}
		if s.Kind == "dns" && s.Name != "" {
			return s.Name
		}
	}
	return ""
}

// NewTrace is the panel of request seq on component: tracing host, or why
// nothing can be traced when host is "".
func NewTrace(component string, seq int, host, why, limits string) Trace {
	return Trace{component: component, seq: seq, host: host, why: why, limits: limits, running: host != ""}
}

// Component is the component traced.
func (t Trace) Component() string { return t.component }

// Set puts the outcome of request seq on the panel; it reports false (and
// changes nothing) when another trace started since.
func (t *Trace) Set(seq int, res network.TraceResult, err error) bool {
	if t.seq != seq {
		return false
	}
	t.running, t.res, t.err = false, res, err
	return true
}

// Scroll moves the panel delta lines, within its content.
func (t *Trace) Scroll(ctx *common.Context, delta, w, h int) {
	n := len(t.Lines(ctx, w))
	t.offset = max(0, min(t.offset+delta, n-h))
}

// View draws the panel in exactly h lines of w cells.
func (t Trace) View(ctx *common.Context, w, h int) []string {
	lines := t.Lines(ctx, w)
	off := max(0, min(t.offset, len(lines)-h))
	return text.Block(lines[off:], w, h)
}

// Lines is the whole panel: the hops as a table (ttl, address, rtt, note),
// a routing loop flagged in words, glyph and colour.
func (t Trace) Lines(ctx *common.Context, w int) []string {
	st := ctx.Styles
	out := []string{rule(ctx, t.title(), w)}
	foot := st.Dim.Render(text.Trunc(" esc closes · T traces again", w))
	if l, done := t.state(st, w); done {
		if !t.running {
			l = append(l, foot)
		}
		return append(out, l...)
	}
	res := t.res
	n := len(res.Hops)
	switch {
	case res.Reached:
		out = append(out, " "+st.Status[probes.OK].Render(fmt.Sprintf("✔ reached in %d hop%s", n, plural(n))))
	case res.Incomplete != "":
		out = append(out, text.Trunc(" "+st.Status[probes.Warn].Render("▲ incomplete: "+text.Sanitize(res.Incomplete)), w))
	default:
		out = append(out, " "+st.Status[probes.Crit].Render(fmt.Sprintf("✖ not reached after %d hop%s", n, plural(n))))
	}
	out = append(out, t.loopLines(st, w)...)
	if n == 0 {
		out = append(out, st.Dim.Render(" no hops answered"))
	} else {
		out = append(out, hopTable(ctx, t.hopRows(), w)...)
	}
	return append(out, foot)
}

// title is "path trace: api → host (address) · tool".
func (t Trace) title() string {
	title := "path trace: " + text.Sanitize(t.component)
	if t.host != "" {
		title += " → " + text.Sanitize(t.host)
		if a := text.Sanitize(t.res.Address); a != "" && a != t.host {
			title += " (" + a + ")"
		}
	}
	if tool := text.Sanitize(t.res.Tool); tool != "" {
		title += " · " + tool
	}
	return title
}

// state is the panel's one line when there are no hops to show: why not,
// or "tracing…"; done is false when the hops are in.
func (t Trace) state(st *common.Styles, w int) ([]string, bool) {
	unavailable := func(why string) []string {
		return []string{text.Trunc(" "+st.Status[probes.Unknown].Render("? unavailable: ")+text.Sanitize(why), w)}
	}
	switch {
	case t.why != "":
		return unavailable(t.why), true
	case t.running:
		return []string{text.Trunc(" "+st.Probing.Render("… tracing…")+" "+st.Dim.Render(t.limits), w)}, true
	case t.err != nil:
		return unavailable(t.err.Error()), true
	case t.res.Unavailable != "":
		return unavailable(t.res.Unavailable), true
	}
	return nil, false
}

// loopLines flag a routing loop: the hops that repeat, in words.
func (t Trace) loopLines(st *common.Styles, w int) []string {
	res := t.res
	if !res.Loop {
		return nil
	}
	seq := make([]string, len(res.LoopHops))
	for i, a := range res.LoopHops {
		seq[i] = text.Sanitize(a)
	}
	line := "⟲ routing loop: " + loopSpan(res) + " repeat (" + strings.Join(seq, " → ") + ")"
	var out []string
	for i, l := range text.Wrap(line, w-3) {
		pre := "   "
		if i == 0 {
			pre = " "
		}
		out = append(out, pre+st.Status[probes.Crit].Render(l))
	}
	return out
}

// hopRows are the hops as table rows, a hop of the loop marked.
func (t Trace) hopRows() []map[string]any {
	loop := map[string]bool{}
	if t.res.Loop {
		for _, a := range t.res.LoopHops {
			loop[a] = true
		}
	}
	rows := make([]map[string]any, 0, len(t.res.Hops))
	for _, h := range t.res.Hops {
		addr, rtt, note := text.Sanitize(h.Address), "", text.Sanitize(h.Note)
		if addr == "" {
			addr, note = "*", strings.TrimSpace("no reply "+note)
		} else {
			rtt = text.Number(float64(h.RTT.Microseconds())/1000) + " ms"
		}
		if loop[h.Address] {
			note = strings.TrimSpace("⟲ loop " + note)
		}
		rows = append(rows, map[string]any{"ttl": float64(h.TTL), "address": addr, "rtt": rtt, "note": note})
	}
	return rows
}

// hopTable draws the hops in the fixed column order ttl, address, rtt, note.
func hopTable(ctx *common.Context, rows []map[string]any, w int) []string {
	cols := []string{"ttl", "address", "rtt", "note"}
	widths := make([]int, len(cols))
	for c, k := range cols {
		widths[c] = len(k)
		for _, r := range rows {
			widths[c] = max(widths[c], text.Width(cell(r[k], 60)))
		}
	}
	line := func(vals []string) string {
		var b strings.Builder
		for c, v := range vals {
			if c > 0 {
				b.WriteString("  ")
			}
			if c == 0 {
				b.WriteString(text.FitLeft(v, widths[c]))
				continue
			}
			b.WriteString(text.Fit(v, widths[c]))
		}
		return text.Trunc(" "+strings.TrimRight(b.String(), " "), w)
	}
	out := []string{ctx.Styles.Bold.Underline(true).Render(line(cols))}
	for _, r := range rows {
		vals := make([]string, len(cols))
		for c, k := range cols {
			vals[c] = cell(r[k], 60)
		}
		out = append(out, line(vals))
	}
	return out
}

// loopSpan names the TTLs of the loop's first turn: "hops 4–7".
func loopSpan(res network.TraceResult) string {
	first, last := 0, 0
	for i, h := range res.Hops {
		if h.Address != res.LoopHops[0] {
			continue
		}
		first, last = h.TTL, h.TTL
		end := res.LoopHops[len(res.LoopHops)-1]
		for _, g := range res.Hops[i:] {
			if g.Address == end {
				last = g.TTL
				break
			}
		}
		break
	}
	if first == last {
		return fmt.Sprintf("hop %d", first)
	}
	return fmt.Sprintf("hops %d–%d", first, last)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
