package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/panes"
	"github.com/fivelayer/triage/tui/text"
	"github.com/fivelayer/triage/tui/views"
)

// The smallest terminal the screen draws in.
const (
	MinWidth  = 60
	MinHeight = 16
)

// layout is where things go at the current size.
type layout struct {
	small   bool // below MinWidth×MinHeight
	framed  bool // production: a border around everything
	w, h    int  // inside the frame
	headerH int
	areaH   int // between header and footer
	grid    panes.Grid
}

func (m Model) layout() layout {
	l := layout{w: m.width, h: m.height, framed: m.ctx.Config.IsProduction()}
	if m.width < MinWidth || m.height < MinHeight {
		l.small = true
		return l
	}
	if l.framed {
		l.w, l.h = l.w-2, l.h-2
	}
	l.headerH = 2
	if m.ctx.Config.Default {
		l.headerH++
	}
	if m.notice != "" {
		l.headerH++
	}
	l.areaH = l.h - l.headerH - 1
	l.grid = panes.Layout(l.w, l.areaH)
	return l
}

// bodyH is the body height of grid cell i (its title takes a line).
func (l layout) bodyH(i int) int {
	if l.small {
		return 1
	}
	_, h := l.grid.Cell(i)
	return max(h-1, 1)
}

// View draws the screen. It only composes: the render is cached by rev, so
// a message that changed nothing visible costs nothing and the terminal
// receives nothing.
func (m Model) View() string {
	if m.cache.rev == m.rev && m.cache.s != "" {
		if m.cache.clock != m.clock { // only time passed: header and pane titles (clock.go)
			m.cache.clock, m.cache.s = m.clock, m.redrawClock()
		}
		return m.cache.s
	}
	m.cache.rev, m.cache.clock, m.cache.s = m.rev, m.clock, m.render()
	m.cache.renders++
	return m.cache.s
}

func (m Model) render() string {
	l := m.layout()
	if l.small {
		return m.tooSmall(m.width, m.height)
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, m.header(l.w)...)
	lines = append(lines, m.area(l)...)
	lines = append(lines, m.footer(l.w))
	m.cache.lines = lines
	if l.framed {
		lines = m.frameLines(lines, l.w)
	}
	return strings.Join(lines, "\n")
}

// tooSmall is the screen below MinWidth×MinHeight: what matters most
// still shows (the grade with its clock, then the root cause and what to
// do), every line wrapped to the width, and last what size is needed.
func (m Model) tooSmall(w, h int) string {
	w, h = max(w, 1), max(h, 1)
	st := m.ctx.Styles
	var lines []string
	add := func(style func(...string) string, s string) {
		for _, l := range text.Wrap(s, w) {
			lines = append(lines, style(l))
		}
	}
	lines = append(lines, text.Wrap(views.GradeLine(m.ctx), w)...)
	if views.Ready(m.ctx) {
		if top := m.ctx.State.Diagnosis.Top(); top != nil {
			add(st.Status[top.Status].Render, text.Sanitize(fmt.Sprintf("cause: %s %s: %s", top.CheckID, top.Status, top.Summary)))
			if len(top.Advice) > 0 {
				add(st.Bold.Render, text.Sanitize("do: "+incident.AdviceLine(top.Advice[0])))
			}
		}
	}
	need := text.Wrap(fmt.Sprintf("terminal too small for the panes: need %d×%d, have %d×%d", MinWidth, MinHeight, m.width, m.height), w)
	if room := h - len(need) - 1; len(lines) > room { // the size note stays: it says why the panes are gone
		lines = lines[:max(room, 0)]
	}
	if len(lines) > 0 {
		lines = append(lines, "")
	}
	for _, l := range need {
		lines = append(lines, st.Dim.Render(l))
	}
	return strings.Join(text.Block(lines, w, h), "\n")
}

// frameLines wraps the screen in the production frame: a double border in
// the production colour with the word PRODUCTION in it.
func (m Model) frameLines(lines []string, w int) []string {
	st := m.ctx.Styles.Production
	label := "═ PRODUCTION · " + text.Sanitize(m.ctx.Config.Estate) + " "
	label = text.Trunc(label, w)
	out := make([]string, 0, len(lines)+2)
	out = append(out, st.Render("╔"+label+strings.Repeat("═", max(0, w-text.Width(label)))+"╗"))
	side := st.Render("║")
	for _, ln := range lines {
		out = append(out, side+text.Fit(ln, w)+side)
	}
	return append(out, st.Render("╚"+strings.Repeat("═", w)+"╝"))
}

func (m Model) header(w int) []string {
	st := m.ctx.Styles
	cfg := m.ctx.Config
	estate := text.Sanitize(cfg.Estate)
	if estate == "" {
		estate = "(no estate name)"
	}
	env := "env " + text.Sanitize(cfg.Environment)
	switch {
	case cfg.IsProduction():
		env = st.Production.Render("PRODUCTION")
	case cfg.Environment == "":
		env = st.Dim.Render("env unset")
	}
	mode := st.Bold.Render(m.ctx.Mode.String())
	if m.ctx.Mode != common.Live {
		mode = st.Focus.Render(m.ctx.Mode.String())
	}
	if m.ctx.Role != "" { // an SSH session: who is watching
		mode += " " + st.Dim.Render(m.ctx.Role)
	}
	left := st.Title.Render("triage") + " · " + st.Bold.Render(estate) + " · " + env + " · " + mode
	snap := m.ctx.Estate.Snap
	round := "first round running"
	if !snap.RoundFinished.IsZero() {
		round = "last round " + snap.RoundFinished.Format("15:04:05")
	}
	right := st.Dim.Render(round) + " · " + st.Bold.Render(m.ctx.Now().Format("15:04:05"))
	if r := m.replayState(); r != "" {
		right = st.Focus.Render(r) + " · " + right
	}
	lines := []string{spread(left, right, w)}
	grade := views.GradeLine(m.ctx)
	if views.Ready(m.ctx) && m.ctx.State.Grade != 0 {
		grade += st.Dim.Render(" — " + text.Sanitize(m.reason()))
	}
	lines = append(lines, text.Fit(grade, w))
	if cfg.Default {
		lines = append(lines, text.Fit(st.Focus.Render("built-in default — write triage.yaml (triage config example > triage.yaml)"), w))
	}
	if m.notice != "" {
		lines = append(lines, text.Fit(st.Error.Render("⚠ "+text.Sanitize(m.notice)), w))
	}
	return lines
}

// reason is why the grade is what it is: the top root cause in full (the
// grading's own reason is cut short for logs and reports), with its chain.
func (m Model) reason() string {
	top := m.ctx.State.Diagnosis.Top()
	if top == nil {
		return m.ctx.State.Reason
	}
	s := fmt.Sprintf("%s %s: %s", top.CheckID, top.Status, top.Summary)
	if len(top.Chain) > 1 {
		s += " (" + strings.Join(top.Chain, " → ") + ")"
	}
	return s
}

// spread puts left and right on one line of w cells, truncating left first.
func spread(left, right string, w int) string {
	rw := text.Width(right)
	if rw+2 > w {
		return text.Fit(left, w)
	}
	return text.Fit(left, w-rw-1) + " " + right
}

func (m Model) footer(w int) string {
	st := m.ctx.Styles
	if m.filtering() {
		return text.Fit(m.topChild().(filterChild).input.View(), w)
	}
	if m.act.dlg.Visible() && m.status == "" {
		return text.Fit(m.shortHelp(m.act.dlg.Help(), w), w)
	}
	prefix := ""
	if m.filter != "" {
		prefix = st.Focus.Render("filter: "+m.filter) + st.Dim.Render(" (esc clears) · ")
	}
	if m.status != "" {
		return text.Fit(prefix+st.Bold.Render(m.status), w)
	}
	keys := m.helpKeys()
	return text.Fit(prefix+m.shortHelp(keys, w-text.Width(prefix)), w)
}

// shortHelp is the footer's key line in w cells. When the keys do not all
// fit, the ones listed last go first, except help, quit and back: an
// operator on a narrow terminal must still find the way out and the way
// to every other key.
func (m Model) shortHelp(keys []key.Binding, w int) string {
	hm := m.help
	hm.Width = 0 // we fit it here; help.Model would cut "? help" off with …
	keep := func(b key.Binding) bool {
		h := b.Help().Key
		return h == m.ctx.Keys.Help.Help().Key || h == m.ctx.Keys.Quit.Help().Key || h == m.ctx.Keys.Back.Help().Key
	}
	keys = append([]key.Binding(nil), keys...)
	for {
		s := hm.ShortHelpView(keys)
		if text.Width(s) <= w {
			return s
		}
		drop := -1
		for i := len(keys) - 1; i >= 0; i-- {
			if !keep(keys[i]) {
				drop = i
				break
			}
		}
		if drop < 0 {
			return s
		}
		keys = append(keys[:drop], keys[drop+1:]...)
	}
}

// area is the part between header and footer: the action dialog, or what
// the overlay stack shows.
func (m Model) area(l layout) []string {
	if m.act.dlg.Visible() {
		return m.act.dlg.View(m.ctx, l.w, l.areaH)
	}
	return m.areaLines(l)
}

// window shows lines from offset in a w×h block.
func window(lines []string, off, w, h int) []string {
	off = max(0, min(off, len(lines)-h))
	return text.Block(lines[off:], w, h)
}

// grid draws the five panes and the incident cell.
func (m Model) grid(l layout) []string {
	g := l.grid
	out := make([]string, 0, l.areaH)
	for r, rh := range g.Rows {
		cells := make([][]string, g.Cols)
		for c := range g.Cols {
			i := r*g.Cols + c
			w, h := g.Cell(i)
			switch {
			case i < len(m.panes):
				p := &m.panes[i]
				focused := i == m.focus
				cells[c] = append([]string{p.Title(m.ctx, m.filter, w, focused)}, p.Body(m.ctx, m.filter, w, h-1, focused)...)
			case i == panes.Cells-1:
				cells[c] = views.Incident(m.ctx, w, h)
			default:
				cells[c] = text.Block(nil, w, h)
			}
			m.cache.keepTitle(r, c, cells[c][0])
		}
		for j := range rh {
			var b strings.Builder
			for c := range g.Cols {
				if c > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(cells[c][j])
			}
			out = append(out, b.String())
		}
	}
	return out
}

// joinColumns puts blocks of lines side by side, gap cells apart.
func joinColumns(blocks [][]string, gap int) []string {
	n := 0
	widths := make([]int, len(blocks))
	for i, b := range blocks {
		n = max(n, len(b))
		for _, l := range b {
			widths[i] = max(widths[i], text.Width(l))
		}
	}
	out := make([]string, n)
	for r := range out {
		var sb strings.Builder
		for i, b := range blocks {
			cell := ""
			if r < len(b) {
				cell = b[r]
			}
			if i < len(blocks)-1 {
				cell = text.Fit(cell, widths[i]+gap)
			}
			sb.WriteString(cell)
		}
		out[r] = strings.TrimRight(sb.String(), " ")
	}
	return out
}
