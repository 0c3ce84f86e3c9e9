package drill

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fivelayer/triage/internal/safety"
)

// Debrief is the drill's Markdown debrief: the outcome and score, the
// timeline, the expert path and what was missed. Text from the estate and
// the guard is sanitised; secrets are masked by the writer.
func Debrief(r Result) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Drill debrief: %s\n\n", clean(r.Name))
	p("- fault: **%s** (`%s`): %s\n", clean(r.Name), clean(r.Fault), clean(r.Cause))
	p("- root cause: **%s**\n", clean(r.RootCause))
	p("- started %s, ended %s (%s), %ss\n", r.Started.UTC().Format(time.RFC3339), r.Ended.UTC().Format(time.RFC3339), endingText(r.Ending), fmtSec(r.Duration))
	p("- time to the root cause's drill-down: %s\n", secOrNever(r.TimeToDrillDown))
	p("- time to the right action: %s (par %ss)\n", secOrNever(r.TimeToRightAction), fmtSec(r.Par))
	p("- time to green: %s\n", secOrNever(r.TimeToGreen))
	p("- wrong actions: %d, risky actions: %d, actions previewed: %d\n", len(r.Wrong), len(r.Risky), r.ActionsRequested)
	p("- hints: guide opened %d×, steps answered by hand %d\n\n", r.Hints.GuideOpened, r.Hints.StepsAnswered)

	s := r.Score
	p("## Score: %d / %d\n\n", s.Total, s.Max)
	if !s.Solved {
		p("Not solved (%s): an unsolved drill scores 0. The parts below are what each mistake would have cost.\n\n", endingText(r.Ending))
	}
	p("| part | points |\n|---|---|\n")
	p("| base | %d |\n| time beyond par | −%d |\n| wrong actions (%d × %d) | −%d |\n| risky actions (%d × %d) | −%d |\n",
		s.Base, s.Time, len(r.Wrong), WrongPenalty, s.Wrong, len(r.Risky), RiskyPenalty, s.Risky)
	p("| hints (capped at %d) | −%d |\n| acted before the root cause's drill-down | −%d |\n| **total** | **%d** |\n\n", HintCap, s.Hints, s.NoLook, s.Total)

	p("## Timeline\n\n| t+ | what |\n|---|---|\n")
	for _, e := range r.Events {
		p("| %ss | %s |\n", fmtSec(e.Time.Sub(r.Started).Seconds()), cell(eventText(e)))
	}
	p("\n## The expert path\n\n")
	for i, st := range r.Expert {
		p("%d. %s\n", i+1, clean(st))
	}
	p("\nThe right action: %s.\n\n## What was missed\n\n", clean(movesText(r.Right)))
	if len(r.Missed) == 0 {
		p("Nothing: the root cause first, the right action, no hints.\n")
	}
	for _, m := range r.Missed {
		p("- %s\n", clean(m))
	}
	return b.String()
}

func eventText(e Event) string {
	var s string
	switch e.Kind {
	case Injected:
		s = "fault injected (hidden)"
	case DrillDown:
		s = "drill-down opened on " + e.Component
	case GuideOpened:
		s = "guide opened (hint)"
	case GuideAnswered:
		s = "guide step answered by hand (hint): " + e.Text
	case ActionRequested:
		s = fmt.Sprintf("action previewed: %s on %s", e.Action, e.Component)
	case ActionOutcome:
		s = fmt.Sprintf("action %s on %s: %s", e.Action, e.Component, e.Result)
		if e.Retry {
			s += " (confirmation or reason mistyped; nothing ran)"
		}
		if e.Verdict != "" {
			s += " — **" + e.Verdict + "**"
		}
		if e.Why != "" {
			s += ": " + e.Why
		}
		if e.Text != "" {
			s += " — " + e.Text
		}
	case Cleared:
		s = "fault cleared, estate green"
	case Quit:
		s = "trainee left the drill"
	case TimeUp:
		s = "time limit passed"
		if e.Text != "" {
			s += " (" + e.Text + ")"
		}
	default:
		s = string(e.Kind) + " " + e.Text
	}
	return s
}

func endingText(e string) string {
	switch e {
	case string(Cleared):
		return "cleared and green"
	case string(Quit):
		return "quit"
	case string(TimeUp):
		return "time limit"
	}
	return e
}

func secOrNever(f *float64) string {
	if f == nil {
		return "never"
	}
	return fmtSec(*f) + "s"
}

// clean makes estate text safe for Markdown on a terminal: no control
// sequences, one line.
func clean(s string) string { return safety.Sanitize(s) }

// cell is clean text fit for a table cell.
func cell(s string) string { return strings.ReplaceAll(clean(s), "|", `\|`) }

// Files are the paths a drill's results were written to.
type Files struct {
	Debrief, Score string
}

// Write puts r's debrief (Markdown) and score (JSON) in dir/drills as
// <time>-<fault>.md and .json (directory 0700, files 0600), with every
// secret of the estate masked.
func Write(dir string, r Result, secrets []string) (Files, error) {
	d := filepath.Join(dir, "drills")
	if err := os.MkdirAll(d, 0o700); err != nil {
		return Files{}, fmt.Errorf("drill results: %w", err)
	}
	base := filepath.Join(d, r.Started.UTC().Format("20060102-150405")+"-"+fileWord(r.Fault))
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return Files{}, fmt.Errorf("drill score: %w", err)
	}
	js, _ = safety.MaskJSON(js, secrets, safety.Masked)
	f := Files{Debrief: base + ".md", Score: base + ".json"}
	if err := os.WriteFile(f.Score, append(js, '\n'), 0o600); err != nil {
		return Files{}, fmt.Errorf("drill score: %w", err)
	}
	if err := os.WriteFile(f.Debrief, []byte(safety.Mask(Debrief(r), secrets)), 0o600); err != nil {
		return Files{}, fmt.Errorf("drill debrief: %w", err)
	}
	return f, nil
}

// fileWord keeps a fault key fit for a file name.
func fileWord(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}
