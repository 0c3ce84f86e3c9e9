package incident

import (
	"fmt"
	"github.com/fivelayer/triage/internal/safety"
	"sort"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
)

// reportTime is how the report writes a moment: unambiguous, with its zone.
const reportTime = "2006-01-02 15:04:05 MST"

// Report is the incident report (docs/diagnosis.md) in Markdown, as of now: the grade
// with its SLA deadline and restore target, the likely causes by layer,
// every check that is not ok grouped by layer, the procedure walk with each
// step's answer (the operator's overrides in st.Overrides included), the
// actions taken and the whole timeline. Strings from the estate are stripped
// of control characters and escaped for Markdown tables.
func Report(estate, env string, st State, timeline []Event, now time.Time) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	if estate = plain(estate); estate == "" {
		estate = "(no estate name)"
	}
	if env = plain(env); env == "" {
		env = "unset"
	}
	p("# Incident report: %s — %s\n\n", estate, strings.ToUpper(st.Grade.String()))
	p("- **Estate:** %s\n- **Environment:** %s\n- **Generated:** %s\n", estate, env, now.Format(reportTime))
	p("- **Grade:** %s (%s): %s\n", st.Grade, st.Grade.Meaning(), plain(st.Reason))
	switch {
	case st.Started.IsZero():
		p("- **Incident started:** no incident open (grade green)\n")
	default:
		p("- **Incident started:** %s (%s ago)\n", st.Started.Format(reportTime), clock(now.Sub(st.Started)))
	}
	if !st.Deadline.IsZero() {
		left := st.Remaining(now)
		state := clock(left) + " left"
		if left < 0 {
			state = "overdue by " + clock(left)
		}
		p("- **SLA deadline:** %s (%s)\n", st.Deadline.Format(reportTime), state)
	}
	if t := st.Grade.RestoreTarget(); t != "" {
		p("- **Restore target:** %s\n", t)
	}

	p("\n## Root causes\n\n")
	d := st.Diagnosis
	if len(d.RootCauses) == 0 {
		p("None: no check of the estate fails.\n")
	}
	for i, rc := range d.RootCauses {
		p("%d. **%s** %s (%s, %s): %s\n", i+1, plain(rc.CheckID), rc.Status, rc.Layer, rc.Impact, plain(rc.Summary))
		if len(rc.Chain) > 1 {
			p("   - chain: %s\n", plain(rc.ChainText))
		}
		if len(rc.Explains) > 0 {
			p("   - explains: %s\n", plain(strings.Join(rc.Explains, ", ")))
		}
		for _, a := range rc.Advice {
			p("   - do: %s\n", plain(AdviceLine(a)))
		}
	}
	if len(d.Observer) > 0 {
		p("\nThe machine triage runs on (an observer, not an estate cause): %s\n", plain(strings.Join(d.Observer, ", ")))
	}
	if len(d.Unexplained) > 0 {
		p("\nUnexplained: %s\n", plain(strings.Join(d.Unexplained, ", ")))
	}
	if len(d.NotWatched) > 0 {
		names := make([]string, len(d.NotWatched))
		for i, l := range d.NotWatched {
			names[i] = l.String()
		}
		p("\nNot watched (no checks): %s\n", strings.Join(names, ", "))
	}

	p("\n## Checks not ok\n")
	writeChecks(&b, st)

	p("\n## Procedure\n\n| # | question | answer | evidence | do |\n|---|---|---|---|---|\n")
	for i, s := range Walk(st.Assessment, st.Results, st.Overrides) {
		ans := s.Answer
		if s.Overridden {
			ans += fmt.Sprintf(" (overridden by operator: %s; checks said: %s)", s.Answer, s.Checks)
		}
		if s.Here {
			ans = "**" + ans + "** ◀ here"
		}
		do := ""
		if s.Fault || i == 0 {
			do = s.Action
		}
		p("| %d | %s | %s | %s | %s |\n", i+1, cell(s.Question), cell(ans), cell(s.Evidence), cell(do))
	}

	p("\n## Actions taken\n\n")
	n := 0
	for _, e := range timeline {
		if e.Kind == ActionTaken {
			p("- %s · %s: %s\n", e.Time.Format(reportTime), plain(e.Subject), plain(e.Text))
			n++
		}
	}
	if n == 0 {
		p("None recorded.\n")
	}

	p("\n## Timeline\n\n")
	if len(timeline) == 0 {
		p("No events.\n")
	}
	for _, e := range timeline {
		p("- %s · %s · %s\n", e.Time.Format(reportTime), e.Kind, plain(e.Text))
	}
	return b.String()
}

// writeChecks lists the checks that are not ok by layer, worst first, and
// those a `for:` still holds back.
func writeChecks(b *strings.Builder, st State) {
	byLayer := map[probes.Layer][]probes.Result{}
	for _, r := range st.Results {
		if r.Status != probes.OK {
			byLayer[r.Layer] = append(byLayer[r.Layer], r)
		}
	}
	if len(byLayer) == 0 {
		b.WriteString("\nNone: every check is ok.\n")
	}
	for _, l := range probes.Layers {
		rs := byLayer[l]
		if len(rs) == 0 {
			continue
		}
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].Status != rs[j].Status {
				return rs[i].Status.Worse(rs[j].Status)
			}
			return rs[i].ID < rs[j].ID
		})
		fmt.Fprintf(b, "\n### %s\n\n| check | status | summary | error |\n|---|---|---|---|\n", l)
		for _, r := range rs {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", cell(r.ID), r.Status, cell(r.Summary), cell(r.Err))
		}
	}
	if len(st.Pending) > 0 {
		ids := make([]string, 0, len(st.Pending))
		for id := range st.Pending {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		b.WriteString("\nHeld back by `for:` (not ok, not yet long enough to grade):\n\n")
		for _, id := range ids {
			fmt.Fprintf(b, "- %s for %s\n", plain(id), st.Pending[id].Round(time.Second))
		}
	}
}

// layerCounts is "crit: 1 crit, 2 warn" for layer l.
func layerCounts(ls []LayerStatus, l probes.Layer) string {
	for _, x := range ls {
		if x.Layer != l {
			continue
		}
		var parts []string
		for _, s := range []probes.Status{probes.Crit, probes.Warn, probes.Unknown} {
			if n := x.Counts[s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, s))
			}
		}
		return x.Status.String() + ": " + strings.Join(parts, ", ")
	}
	return "not graded"
}

// clock is a duration as h:mm:ss by its magnitude.
func clock(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// cell is a Markdown table cell: plain, with the pipe and HTML escaped.
func cell(s string) string {
	s = strings.TrimSpace(plain(s))
	if s == "" {
		return "—"
	}
	return cellEscape.Replace(s)
}

// cellEscape keeps a Markdown table cell one cell; built once, as a
// Replacer is meant to be (a report of ten thousand checks built one per cell).
var cellEscape = strings.NewReplacer("|", `\|`, "<", "&lt;")

// plain makes a string from the estate one safe line (escape sequences with
// their payload, control and bidirectional characters go): a report is read
// with cat and less as often as in a Markdown viewer.
func plain(s string) string { return safety.Sanitize(s) }
