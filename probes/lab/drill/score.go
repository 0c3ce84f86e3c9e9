package drill

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// The scoring (docs/drills.md). A solved drill starts from Base and loses
// points for time beyond the fault's par, for each wrong and each risky
// confirmed action, for hints (capped) and for acting without having
// opened the root cause's drill-down. An unsolved drill (quit, time up,
// or cleared without the right action) scores 0; its parts are still
// shown so the trainee sees what cost what.
const (
	Base          = 100
	WrongPenalty  = 15               // per confirmed wrong action
	RiskyPenalty  = 25               // per confirmed risky action
	GuidePenalty  = 5                // per opening of the guide
	AnswerPenalty = 2                // per guide step answered by hand
	HintCap       = 20               // hints never cost more than this
	NoLookPenalty = 10               // the right action without the root cause's drill-down opened before it
	TimeStep      = 10 * time.Second // beyond par, one point per started step
	TimeCap       = 30               // time never costs more than this
)

// Score is a drill's score with its parts (each penalty as a positive number).
type Score struct {
	Solved bool `json:"solved"`
	Base   int  `json:"base"`
	Time   int  `json:"time_penalty"`
	Wrong  int  `json:"wrong_penalty"`
	Risky  int  `json:"risky_penalty"`
	Hints  int  `json:"hint_penalty"`
	NoLook int  `json:"no_look_penalty"`
	Total  int  `json:"total"`
	Max    int  `json:"max"`
}

// Hints counts the guide's use.
type Hints struct {
	GuideOpened   int `json:"guide_opened"`
	StepsAnswered int `json:"steps_answered"`
}

// Mistake is a confirmed action that was not the right one.
type Mistake struct {
	At     float64 `json:"at_seconds"` // since the injection
	Move   Move    `json:"move"`
	Result string  `json:"result"` // what the guard did with it
	Why    string  `json:"why"`
}

// Result is a measured and scored drill: the score file's content.
type Result struct {
	Fault     string    `json:"fault"`
	Name      string    `json:"name"`
	RootCause string    `json:"root_cause"`
	Cause     string    `json:"cause"`
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended"`
	// Ending is how it ended: cleared, quit, time-up, or running.
	Ending   string  `json:"ending"`
	Duration float64 `json:"duration_seconds"`
	// Times since the injection, in seconds; nil when it never happened.
	TimeToDrillDown   *float64 `json:"time_to_drill_down_seconds"`
	TimeToRightAction *float64 `json:"time_to_right_action_seconds"`
	TimeToGreen       *float64 `json:"time_to_green_seconds"`
	Par               float64  `json:"par_seconds"`
	// LookedFirst are the components whose drill-down was opened before the
	// root cause's, in order.
	LookedFirst      []string  `json:"looked_first"`
	ActionsRequested int       `json:"actions_requested"`
	Wrong            []Mistake `json:"wrong_actions"`
	Risky            []Mistake `json:"risky_actions"`
	Hints            Hints     `json:"hints"`
	Score            Score     `json:"score"`
	Expert           []string  `json:"expert_path"`
	Right            []Move    `json:"right_actions"`
	Missed           []string  `json:"missed"`
	Events           []Event   `json:"timeline"`
}

// Measure turns a drill's events (in time order, the first the
// injection at start) into its measures and score. It is pure.
func Measure(k Knowledge, start time.Time, events []Event) Result {
	r := Result{Fault: k.Fault, Name: k.Name, RootCause: k.RootCause, Cause: k.Cause, Started: start,
		Ending: "running", Par: k.Par.Seconds(), Expert: k.Expert, Right: k.Right,
		Wrong: []Mistake{}, Risky: []Mistake{}, LookedFirst: []string{}, Missed: []string{}}
	events = slices.Clone(events) // verdicts are written into the copy
	since := func(t time.Time) *float64 { s := round1(t.Sub(start).Seconds()); return &s }
	end := start
	looked := map[string]bool{}
	for i, e := range events {
		end = maxTime(end, e.Time)
		switch e.Kind {
		case DrillDown:
			if r.TimeToDrillDown != nil {
				break
			}
			if e.Component == k.RootCause {
				r.TimeToDrillDown = since(e.Time)
			} else if !looked[e.Component] {
				looked[e.Component] = true
				r.LookedFirst = append(r.LookedFirst, e.Component)
			}
		case GuideOpened:
			r.Hints.GuideOpened++
		case GuideAnswered:
			r.Hints.StepsAnswered++
		case ActionRequested:
			r.ActionsRequested++
		case ActionOutcome:
			if !e.confirmed() {
				break
			}
			m := Move{e.Action, e.Component}
			v, why := k.classify(m)
			events[i].Verdict, events[i].Why = [...]string{"right", "wrong", "risky"}[v], why
			mk := Mistake{At: *since(e.Time), Move: m, Result: e.Result, Why: why}
			switch {
			case v == right && e.Result == ResultDone && r.TimeToRightAction == nil:
				r.TimeToRightAction = since(e.Time)
			case v == wrong:
				r.Wrong = append(r.Wrong, mk)
			case v == risky:
				r.Risky = append(r.Risky, mk)
			}
		case Cleared:
			r.Ending, r.TimeToGreen = string(Cleared), since(e.Time)
		case Quit, TimeUp:
			r.Ending = string(e.Kind)
		}
	}
	r.Events = events
	r.Ended = end
	r.Duration = round1(end.Sub(start).Seconds())
	r.Score = score(k, r)
	r.Missed = missed(k, r)
	return r
}

// score applies the scoring to measured r.
func score(k Knowledge, r Result) Score {
	s := Score{Base: Base, Max: Base}
	s.Solved = r.Ending == string(Cleared) && r.TimeToRightAction != nil
	if r.TimeToRightAction != nil {
		over := time.Duration(*r.TimeToRightAction*float64(time.Second)) - k.Par
		if over > 0 {
			s.Time = min(TimeCap, int(math.Ceil(float64(over)/float64(TimeStep))))
		}
		if r.TimeToDrillDown == nil || *r.TimeToDrillDown > *r.TimeToRightAction {
			s.NoLook = NoLookPenalty
		}
	}
	s.Wrong = WrongPenalty * len(r.Wrong)
	s.Risky = RiskyPenalty * len(r.Risky)
	s.Hints = min(HintCap, GuidePenalty*r.Hints.GuideOpened+AnswerPenalty*r.Hints.StepsAnswered)
	if s.Solved {
		s.Total = max(0, s.Base-s.Time-s.Wrong-s.Risky-s.Hints-s.NoLook)
	}
	return s
}

// missed lists, in words, what the trainee missed or got wrong.
func missed(k Knowledge, r Result) []string {
	out := []string{}
	switch {
	case r.TimeToDrillDown == nil:
		out = append(out, fmt.Sprintf("never opened the drill-down on the root cause, %s", k.RootCause))
	case len(r.LookedFirst) > 0:
		out = append(out, fmt.Sprintf("looked at %s before the root cause, %s", joinAnd(r.LookedFirst), k.RootCause))
	}
	if r.Score.NoLook > 0 && r.TimeToDrillDown != nil {
		out = append(out, "acted before opening the root cause's drill-down")
	}
	for _, m := range r.Wrong {
		out = append(out, fmt.Sprintf("wrong action at %ss: %s — %s (%s)", fmtSec(m.At), m.Move, m.Why, m.Result))
	}
	for _, m := range r.Risky {
		out = append(out, fmt.Sprintf("risky action at %ss: %s — %s (%s)", fmtSec(m.At), m.Move, m.Why, m.Result))
	}
	if r.TimeToRightAction == nil {
		out = append(out, "the right action was never done: "+movesText(k.Right))
	} else if r.Score.Time > 0 {
		out = append(out, fmt.Sprintf("the right action came %ss after the injection, par is %ss", fmtSec(*r.TimeToRightAction), fmtSec(r.Par)))
	}
	if r.Hints.GuideOpened+r.Hints.StepsAnswered > 0 {
		out = append(out, fmt.Sprintf("used the guide: opened %d×, answered %d step(s) by hand", r.Hints.GuideOpened, r.Hints.StepsAnswered))
	}
	switch r.Ending {
	case string(Quit):
		out = append(out, "left the drill before the estate was green")
	case string(TimeUp):
		out = append(out, "the time limit passed before the estate was green")
	case string(Cleared):
		if r.TimeToRightAction == nil {
			out = append(out, "the estate recovered without the right action")
		}
	}
	return out
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func fmtSec(f float64) string { return fmt.Sprintf("%.1f", f) }

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func movesText(ms []Move) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return joinOr(s)
}

func joinAnd(s []string) string { return join(s, " and ") }
func joinOr(s []string) string  { return join(s, " or ") }

func join(s []string, last string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + last + s[len(s)-1]
}
