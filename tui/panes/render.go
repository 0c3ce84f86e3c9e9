package panes

import (
	"strings"

	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Body draws the pane's body: exactly h lines of exactly w cells. When
// the checks do not all fit, the last line counts those below ("+5 ok");
// when they fit with lines to spare, long summaries wrap into them.
func (p *Pane) Body(ctx *common.Context, filter string, w, h int, focused bool) []string {
	e := ctx.Estate
	rs := rows(e, p.Layer, filter, h)
	if len(rs) == 0 {
		msg := "— not watched: no checks in this layer"
		if filter != "" {
			msg = "no check matches the filter"
		}
		return text.Block([]string{" " + ctx.Styles.Dim.Render(msg)}, w, h)
	}
	off := max(0, min(p.Offset, len(rs)-1))
	shown := h
	if off+h < len(rs) {
		shown = max(h-1, 0)
	}
	end := min(len(rs), off+shown)
	cols := columns(e, rs[off:end], w) // sized to what is shown: a hidden row's long value cuts no name
	spare := h - len(rs)
	lines := make([]string, 0, h)
	for _, r := range rs[off:end] {
		if r.item < 0 {
			lines = append(lines, header(ctx, r.comp, w))
			continue
		}
		it := &e.Items[r.item]
		ls := cols.lines(ctx.Styles, it, focused && it.State.ID == p.SelectedID, spare)
		spare -= len(ls) - 1
		lines = append(lines, ls...)
	}
	if end < len(rs) {
		lines = append(lines, more(ctx, e, rs[end:]))
	}
	return text.Block(lines, w, h)
}

// more is the line that stands for the checks below the fold: "+5 ok", or
// "+3 more: 1 warn · 2 ok" when some of them are not ok.
func more(ctx *common.Context, e *common.Estate, rs []row) string {
	var counts [len(common.Words)]int
	n := 0
	for _, r := range rs {
		if r.item >= 0 {
			counts[e.Items[r.item].Display]++
			n++
		}
	}
	if counts[common.DisplayOK] == n {
		return " " + ctx.Styles.Dim.Render("+"+itoa(n)+" ok")
	}
	var parts []string
	for d, c := range counts {
		if c > 0 {
			parts = append(parts, itoa(c)+" "+common.Words[d])
		}
	}
	return " " + ctx.Styles.Bold.Render("+"+itoa(n)+" more: "+strings.Join(parts, " · "))
}

func header(ctx *common.Context, comp string, w int) string {
	s := " " + ctx.Styles.Bold.Render(text.Trunc(comp, w-8))
	if ctx.Core(comp) {
		s += ctx.Styles.Dim.Render(" core")
	}
	if role := ctx.State.Roles[comp]; role != "" {
		s += ctx.Styles.Dim.Render(" (" + role + ")")
	}
	return s
}

// cols are the widths of a pane's check columns.
type cols struct{ name, value, spark, summary int }

// columns sizes the columns for width w from what the shown rows hold:
// marker, status cell, in-flight mark, name, value, sparkline, summary.
// A value is never cut while the name can give room (the name keeps at
// least 8 cells), a name is never cut while the room exists, and the
// summary gets what is left, or no column at all when what is left is too
// narrow to say anything (the room then goes to the history).
func columns(e *common.Estate, rs []row, w int) cols {
	maxName, maxVal := 4, 0
	for _, r := range rs {
		if r.item >= 0 {
			it := &e.Items[r.item]
			maxName = max(maxName, text.Width(it.Name))
			maxVal = max(maxVal, text.Width(it.Value))
		}
	}
	var c cols
	switch {
	case w >= 90:
		c.spark = 12
	case w >= 50:
		c.spark = 8
	default:
		c.spark = 4
	}
	rest := w - 1 - common.CellWidth - 1 - (c.spark + 1) // marker, cell, in-flight mark, history
	c.value = min(maxVal, max(rest-min(maxName, 8)-1, 0))
	if c.value > 0 {
		rest -= c.value + 1
	}
	c.name = min(maxName, max(rest, 1))
	c.summary = rest - c.name - 1
	if c.summary < minSummary {
		c.summary = 0
		c.spark += min(max(rest-c.name, 0), 12-c.spark) // the room goes to history
	}
	return c
}

// minSummary is the narrowest summary column worth drawing: below it a
// summary is cut to a word or two that the value column already says.
const minSummary = 20

// lines draws a check: one line, plus up to spare continuation lines when
// its summary is longer than its column.
func (c cols) lines(st *common.Styles, it *common.Item, selected bool, spare int) []string {
	first := c.line(st, it, selected)
	if c.summary == 0 || spare <= 0 || text.Width(it.Summary) <= c.summary {
		return []string{first}
	}
	wrapped := text.Wrap(it.Summary, c.summary)
	if len(wrapped)-1 > spare {
		return []string{first}
	}
	prefix := c.prefix(st, it, selected)
	out := []string{prefix + wrapped[0]}
	indent := strings.Repeat(" ", text.Width(prefix))
	for _, l := range wrapped[1:] {
		out = append(out, indent+l)
	}
	return out
}

func (c cols) line(st *common.Styles, it *common.Item, selected bool) string {
	s := c.prefix(st, it, selected)
	if c.summary > 0 {
		s += text.Trunc(it.Summary, c.summary)
	}
	return s
}

// prefix is a check's line up to its summary.
func (c cols) prefix(st *common.Styles, it *common.Item, selected bool) string {
	var b strings.Builder
	name := text.Fit(it.Name, c.name)
	if selected {
		b.WriteString("›")
		name = st.Selected.Render(name)
	} else {
		b.WriteByte(' ')
	}
	b.WriteString(st.Cell(it.Display, it.Status))
	b.WriteByte(' ')
	if it.InFlight {
		b.WriteString("↻")
	} else {
		b.WriteByte(' ')
	}
	b.WriteString(name)
	if c.value > 0 {
		b.WriteByte(' ')
		b.WriteString(text.FitLeft(it.Value, c.value))
	}
	b.WriteByte(' ')
	b.WriteString(spark(it.Spark, c.spark))
	if c.summary > 0 {
		b.WriteByte(' ')
	}
	return b.String()
}

// spark is the tail of a sparkline, right-aligned in w cells.
func spark(s []rune, w int) string {
	if len(s) > w {
		s = s[len(s)-w:]
	}
	return strings.Repeat(" ", w-len(s)) + string(s)
}

// Title draws the pane's title line, w cells: the layer, its status, then as
// room allows the age of its data, checks in flight, timed out, and the
// selection's position.
func (p *Pane) Title(ctx *common.Context, filter string, w int, focused bool) string {
	st := ctx.Styles
	lv := &ctx.Estate.Layers[p.Layer]
	bar, name, style := "─", p.Layer.String(), st.Dim
	if focused {
		bar, name, style = "━", "▶ "+strings.ToUpper(name), st.Focus
	}
	status := st.Probing.Render("… probing")
	switch {
	case lv.Total == 0:
		status = st.Probing.Render("— not watched")
	case lv.Probed > 0:
		status = st.StatusText(lv.Status)
	}
	left := style.Render(bar+" "+name) + " " + status + " "
	var info []string
	if lv.Probed > 0 && !lv.Oldest.IsZero() {
		info = append(info, text.Age(ctx.Now().Sub(lv.Oldest)))
	}
	long, short := info, append([]string(nil), info...)
	if lv.InFlight > 0 {
		long = append(long, itoa(lv.InFlight)+" in flight")
		short = append(short, "↻"+itoa(lv.InFlight))
	}
	if lv.TimedOut > 0 {
		long = append(long, itoa(lv.TimedOut)+" timed out")
		short = append(short, "⌛"+itoa(lv.TimedOut))
	}
	if pos, total := p.Counts(ctx.Estate, filter); total > 0 {
		where := itoa(total)
		if pos > 0 {
			where = itoa(pos) + "/" + where
		}
		long, short = append(long, where), append(short, where)
	}
	right := ""
	for _, parts := range [][]string{long, short, info} {
		r := " " + strings.Join(parts, " · ") + " "
		if len(parts) == 0 {
			r = ""
		}
		if text.Width(left)+text.Width(r)+2 <= w {
			right = r
			break
		}
	}
	fill := w - text.Width(left) - text.Width(right) - 1
	if fill < 1 {
		return text.Fit(left, w)
	}
	return left + style.Render(strings.Repeat(bar, fill)) + right + style.Render(bar)
}

func itoa(n int) string { return text.Number(float64(n)) }
