package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/incident"
)

// reportTime is how a stored report writes a moment, as incident.Report does.
const reportTime = "2006-01-02 15:04:05 MST"

// closedReport is the Markdown kept with an incident: what it was, how long
// it took, what was done, its whole timeline, and the report of the moment
// its worst grade began (headings one level down).
func closedReport(i Incident, worstReport string, events []incident.Event, grades []gradeChange) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	state := "closed"
	if i.Open() {
		state = "open"
	}
	p("# Incident %d: %s — %s, worst grade %s\n\n", i.ID, plain(i.Estate), state, strings.ToUpper(i.Worst.String()))
	p("- **Estate:** %s\n", plain(i.Estate))
	if i.Environment != "" {
		p("- **Environment:** %s\n", plain(i.Environment))
	}
	p("- **Started:** %s\n", i.Started.Format(reportTime))
	switch {
	case i.Open():
		p("- **Recovered:** not yet: open, grade %s now\n", i.Grade)
	default:
		p("- **Recovered:** %s (time to recover %s)\n", i.Recovered.Format(reportTime), Clock(i.TimeToRecover()))
		p("- **Closed:** %s (green since recovery)\n", i.Closed.Format(reportTime))
	}
	p("- **Worst grade:** %s (%s)\n", i.Worst, i.Worst.Meaning())
	cause := "none named (the grade had no root cause)"
	if i.RootCause != "" {
		cause = plain(i.RootCause) + ": " + plain(i.RootSummary)
	}
	p("- **Root cause:** %s\n", cause)
	switch {
	case i.Open():
	case i.Fix != "":
		p("- **Fixed by:** %s\n", plain(i.Fix))
	default:
		p("- **Fixed by:** no action recorded before recovery\n")
	}
	p("\n## Actions taken\n\n")
	n := 0
	for _, e := range events {
		if e.Kind != incident.ActionTaken {
			continue
		}
		n++
		p("- %s · %s: %s", e.Time.Format(reportTime), plain(e.Subject), plain(e.Text))
		if e.AuditID != "" {
			p(" (audit id %s)", plain(e.AuditID))
		}
		p("\n")
	}
	if n == 0 {
		p("None recorded.\n")
	}
	p("\n## Grade changes and their diagnosis\n\n")
	for _, g := range grades {
		p("- %s · %s", g.Time.Format(reportTime), g.Grade)
		if len(g.Diagnosis.RootCauses) == 0 {
			p(": %s\n", plain(g.Reason))
			continue
		}
		p("\n")
		for _, rc := range g.Diagnosis.RootCauses {
			p("  - root cause %s %s: %s", plain(rc.CheckID), rc.Status, plain(rc.Summary))
			if len(rc.Chain) > 1 {
				p(" (%s)", plain(strings.Join(rc.Chain, " → ")))
			}
			p("\n")
		}
	}
	if len(grades) == 0 {
		p("None recorded.\n")
	}
	p("\n## Timeline\n\n")
	for _, e := range events {
		p("- %s · %s · %s\n", e.Time.Format(reportTime), e.Kind, plain(e.Text))
	}
	if len(events) == 0 {
		p("No events.\n")
	}
	if worstReport != "" {
		p("\n## At the worst grade\n\n")
		for _, ln := range strings.Split(strings.TrimRight(worstReport, "\n"), "\n") {
			if strings.HasPrefix(ln, "#") {
				ln = "#" + ln
			}
			p("%s\n", ln)
		}
	}
	return b.String()
}

// Clock is a duration as h:mm:ss, the report's and the list's way.
func Clock(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

func plain(s string) string { return safety.Sanitize(s) }
