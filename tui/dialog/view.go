package dialog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/remedy/catalog"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// maxOutputLines bounds the command output shown; the audit log keeps more.
const maxOutputLines = 8

// labelW is the width of the left column ("target", "runs", …).
const labelW = 9

// View draws the dialog in exactly h lines of w cells: a title, the body
// (scrolled with pgup/pgdn) and, pinned at the bottom, the input fields or
// what to do next.
func (m Model) View(ctx *common.Context, w, h int) []string {
	if h <= 0 || w <= 0 {
		return nil
	}
	st := ctx.Styles
	foot := m.footLines(ctx, w)
	body := m.bodyLines(ctx, w)
	bh := max(h-1-len(foot), 1)
	off := max(0, min(m.offset, len(body)-bh))
	shown := body[off:]
	if len(shown) > bh {
		shown = append(append([]string(nil), shown[:bh-1]...), st.Dim.Render(fmt.Sprintf(" ↓ %d more lines (pgdn)", len(body)-off-bh+1)))
	}
	out := append([]string{m.title(ctx, w)}, text.Block(shown, w, bh)...)
	return text.Block(append(out, foot...), w, h)
}

func (m Model) title(ctx *common.Context, w int) string {
	t := "── " + string(m.req.Action) + " · " + text.Sanitize(m.req.Component) + " "
	switch m.phase {
	case previewing:
		t += "· previewing "
	case running:
		t += "· running… "
	case finished:
		t += "· " + m.out.Result + " "
	}
	return ctx.Styles.Focus.Render(text.Trunc(t+strings.Repeat("─", max(0, w-text.Width(t))), w))
}

func (m Model) bodyLines(ctx *common.Context, w int) []string {
	st := ctx.Styles
	switch {
	case m.phase == previewing:
		return []string{"", st.Dim.Render(" reading the live state of " + text.Sanitize(m.req.Component) + " (the guard changes nothing while previewing)…")}
	case m.phase == finished:
		return m.outcomeLines(ctx, w)
	case !m.hasPlan:
		return append([]string{""}, wrapStyled(st.Error.Render, "✖ cannot preview: "+errText(m.outErr), w, 1)...)
	}
	out := m.planLines(ctx, w)
	if m.plan.Refusal != nil {
		out = append(out, "")
		out = append(out, wrapStyled(st.Error.Render, "✖ refused: "+errText(m.plan.Refusal), w, 1)...)
		out = append(out, st.Dim.Render(" nothing will run. "+refusalHint(m.plan.Refusal)))
	}
	return out
}

// planLines is the preview: label, target, commands, state, preconditions,
// warnings.
func (m Model) planLines(ctx *common.Context, w int) []string {
	st := ctx.Styles
	p := m.plan
	out := []string{text.Trunc(" "+st.Bold.Render(text.Sanitize(p.Label)), w)}
	out = append(out, field(st, "target", p.Target, w)...)
	for i, c := range p.Commands {
		name := "runs"
		if i > 0 {
			name = ""
		}
		out = append(out, field(st, name, c, w)...)
	}
	if p.Before != "" {
		out = append(out, field(st, "now", p.Before, w)...)
	}
	if m.canPickThread() {
		out = append(out, text.Trunc(" "+st.Dim.Render(text.Fit("thread", labelW))+m.threadChoice(ctx), w))
	}
	if len(p.Preconditions) > 0 {
		out = append(out, " "+st.Bold.Render("preconditions")+st.Dim.Render(" (re-checked just before it runs)"))
		out = append(out, preconditionLines(st, p.Preconditions, w)...)
	}
	for _, warn := range p.Warnings {
		out = append(out, wrapStyled(st.Focus.Render, "▲ WARNING: "+text.Sanitize(warn), w, 1)...)
	}
	return out
}

// threadChoice lists the sessions of lock_waits, the previewed one marked.
func (m Model) threadChoice(ctx *common.Context) string {
	parts := make([]string, len(m.threads))
	for i, t := range m.threads {
		s := strconv.FormatInt(t, 10)
		if t == m.plan.Thread {
			s = ctx.Styles.Selected.Render("[" + s + "]")
		}
		parts[i] = s
	}
	return strings.Join(parts, " ") + ctx.Styles.Dim.Render("  ↑/↓ another session from lock_waits")
}

func preconditionLines(st *common.Styles, ps []remedy.Precondition, w int) []string {
	nameW := 0
	for _, p := range ps {
		nameW = max(nameW, text.Width(text.Sanitize(p.Name)))
	}
	nameW = min(nameW, 22)
	var out []string
	for _, p := range ps {
		mark := st.Status[0].Render("✔")
		if !p.OK {
			mark = st.Status[2].Render("✖")
		}
		head := "  " + mark + " " + text.Fit(text.Sanitize(p.Name), nameW) + " "
		got := text.Sanitize(p.Got)
		want := st.Dim.Render("want " + text.Sanitize(p.Want))
		one := head + got + "  " + want
		if text.Width(one) <= w {
			out = append(out, one)
			continue
		}
		indent := strings.Repeat(" ", 5+nameW)
		out = append(out, text.Trunc(head+got, w))
		out = append(out, text.Trunc(indent+want, w))
	}
	return out
}

// outcomeLines is what Execute did: result, steps, verification, output,
// the state re-read on a refusal, what to do next.
func (m Model) outcomeLines(ctx *common.Context, w int) []string {
	st := ctx.Styles
	o := m.out
	out := []string{text.Trunc(" "+st.Bold.Render(text.Sanitize(o.Plan.Label)), w)}
	out = append(out, field(st, "target", o.Plan.Target, w)...)
	for i, l := range text.Wrap(resultLine(o, m.outErr), max(w-labelW-1, 10)) {
		head := strings.Repeat(" ", labelW+1)
		if i == 0 {
			head = " " + st.Dim.Render(text.Fit("result", labelW))
		}
		out = append(out, text.Trunc(head+resultStyle(st, o)(l), w))
	}
	if len(o.Steps) > 0 {
		out = append(out, " "+st.Bold.Render("steps"))
		for _, s := range o.Steps {
			mark := st.Status[0].Render("✔")
			if !s.OK {
				mark = st.Status[2].Render("✖")
			}
			line := "  " + mark + " " + text.Sanitize(s.Name)
			if s.Command != "" {
				line += st.Dim.Render(" · " + text.Sanitize(s.Command))
			}
			line += st.Dim.Render(fmt.Sprintf(" · %s", (time.Duration(s.DurationMS) * time.Millisecond).String()))
			out = append(out, text.Trunc(line, w))
			if s.State != "" {
				out = append(out, wrapIndented("state: "+text.Sanitize(s.State), w, 6)...)
			}
			if s.Error != "" {
				out = append(out, wrapStyled(st.Error.Render, "error: "+text.Sanitize(s.Error), w, 6)...)
			}
		}
	}
	if o.Verification != "" {
		out = append(out, field(st, "after", o.Verification, w)...)
	}
	if o.Result == remedy.ResultRefused && len(o.Preconditions) > 0 {
		out = append(out, " "+st.Bold.Render("now")+st.Dim.Render(" (re-read at confirmation)"))
		out = append(out, preconditionLines(st, o.Preconditions, w)...)
	}
	if strings.TrimSpace(o.Output) != "" {
		out = append(out, " "+st.Bold.Render("output"))
		out = append(out, outputLines(o.Output, w)...)
	}
	if o.Next != "" {
		out = append(out, field(st, "next", o.Next, w)...)
	}
	if o.Plan.Reason != "" {
		out = append(out, field(st, "reason", o.Plan.Reason, w)...)
	}
	if o.Result == remedy.ResultRefused || o.Result == remedy.ResultFailed {
		out = append(out, st.Dim.Render(" ctrl+r previews again with the current state"))
	}
	if m.deps.Guard != nil {
		audit := m.deps.Guard.AuditPath()
		if o.Record == nil {
			audit += " (not recorded)"
		}
		out = append(out, field(st, "audit", audit, w)...)
	}
	return out
}

// footLines are pinned below the body: the fields while a plan can be
// confirmed, otherwise what the operator can do.
func (m Model) footLines(ctx *common.Context, w int) []string {
	st := ctx.Styles
	var out []string
	switch {
	case m.phase == running:
		out = append(out, "", " "+st.Focus.Render("running…")+st.Dim.Render(" re-checking, recording the intent, running, verifying"))
	case m.phase == finished:
		return nil // the footer lists the keys
	case m.usable():
		out = append(out, "")
		labels, hints := []string{"reason", "confirm", "failover"}, m.hints()
		inW := m.inputWidth(w)
		for i := range m.fields() {
			out = append(out, m.inputLine(ctx, i, labels[i], hints[i], inW, w))
		}
	default:
		return nil
	}
	if m.notice != "" {
		out = append(out, wrapStyled(st.Error.Render, text.Sanitize(m.notice), w, 1)...)
	}
	return out
}

// hints are what each field asks for.
func (m Model) hints() []string {
	reasonHint := "optional; recorded in the audit"
	if s, _ := catalog.Lookup(m.req.Action); s.ReasonRequired {
		reasonHint = "required for " + string(m.req.Action) + "; recorded in the audit"
	}
	return []string{reasonHint, "type " + text.Sanitize(m.plan.ConfirmWord) + " to confirm",
		"type " + text.Sanitize(m.plan.SecondConfirm) + " as well (the old primary)"}
}

// inputWidth is one width for every field, so the hints line up; on a
// narrow screen the input keeps at least 16 cells and the hints are cut.
func (m Model) inputWidth(w int) int {
	hintW := 0
	for _, h := range m.hints()[:m.fields()] {
		hintW = max(hintW, text.Width(h))
	}
	return max(16, min(40, w-15-hintW)) // " label····· › input▏  hint"
}

// SetWidth tells the inputs how wide the screen is, so that a long reason
// scrolls inside its field (the inputs need it when keys arrive, not only
// when drawn).
func (m Model) SetWidth(w int) Model {
	for i := range m.inputs {
		m.inputs[i].Width = m.inputWidth(w)
	}
	return m
}

func (m Model) inputLine(ctx *common.Context, i int, label, hint string, inW, w int) string {
	st := ctx.Styles
	in := m.inputs[i]
	in.Width = inW
	head := " " + text.Fit(label, labelW)
	if m.focus == i {
		head = " " + st.Bold.Render(text.Fit(label, labelW))
	}
	return text.Trunc(head+in.View()+"  "+st.Dim.Render(hint), w)
}

// field is " label    value", the value sanitised and wrapped under itself.
func field(st *common.Styles, label, value string, w int) []string {
	lines := text.Wrap(text.Sanitize(value), max(w-labelW-1, 10))
	out := make([]string, len(lines))
	for i, l := range lines {
		head := strings.Repeat(" ", labelW+1)
		if i == 0 {
			head = " " + st.Dim.Render(text.Fit(label, labelW))
		}
		out[i] = text.Trunc(head+l, w)
	}
	return out
}

// wrapStyled wraps plain s in w cells, indented, each line rendered by style.
func wrapStyled(style func(...string) string, s string, w, indent int) []string {
	var out []string
	for _, l := range wrapIndented(text.Sanitize(s), w, indent) {
		out = append(out, style(l))
	}
	return out
}

func wrapIndented(s string, w, indent int) []string {
	pad := strings.Repeat(" ", indent)
	lines := text.Wrap(s, max(w-indent, 10))
	for i := range lines {
		lines[i] = text.Trunc(pad+lines[i], w)
	}
	return lines
}

// outputLines is a command's output, each line sanitised, at most
// maxOutputLines of them.
func outputLines(s string, w int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	var out []string
	for i, l := range lines {
		if i == maxOutputLines {
			out = append(out, fmt.Sprintf("   … %d more lines in the audit log", len(lines)-i))
			break
		}
		out = append(out, text.Trunc("   "+text.Sanitize(l), w))
	}
	return out
}

func resultStyle(st *common.Styles, o remedy.Outcome) func(...string) string {
	switch {
	case o.Result == remedy.ResultDone && o.Verified, o.Result == remedy.ResultDryRun:
		return st.Status[0].Render
	case o.Result == remedy.ResultDone:
		return st.Status[1].Render
	}
	return st.Status[2].Render
}

// resultLine is the outcome in a few words, never colour alone.
func resultLine(o remedy.Outcome, err error) string {
	d := o.Duration.Round(time.Millisecond)
	switch {
	case o.Result == remedy.ResultNotRecorded:
		return fmt.Sprintf("✖ %s in the audit log, after %s: %s", o.Headline(), d, errText(err))
	case o.Result == remedy.ResultDone && o.Verified:
		return fmt.Sprintf("✔ done, verified, in %s", d)
	case o.Result == remedy.ResultDone && err != nil:
		return fmt.Sprintf("▲ done but NOT verified, in %s; %s", d, errText(err))
	case o.Result == remedy.ResultDone:
		return fmt.Sprintf("▲ done but NOT verified, in %s", d)
	case o.Result == remedy.ResultDryRun:
		return "✔ dry run recorded; nothing ran"
	case o.Result == remedy.ResultRefused:
		return "✖ refused: " + errText(err) + " — nothing ran"
	}
	return fmt.Sprintf("✖ %s after %s: %s", o.Result, d, errText(err))
}

// refusalHint says what can be done about a refusal in the preview.
func refusalHint(err error) string {
	switch {
	case errors.Is(err, remedy.ErrReadOnly), errors.Is(err, remedy.ErrReplay):
		return "This screen runs no actions. esc closes."
	case errors.Is(err, remedy.ErrNotEnabled):
		return "Enable it under the component's actions: in the config. esc closes."
	case errors.Is(err, remedy.ErrViewer):
		return "Only a key marked operator in the server's authorized_keys acts. esc closes."
	}
	return "ctrl+r previews again when the state changes; esc closes."
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return text.Sanitize(err.Error())
}
