package drill

import (
	"slices"
	"sync"
	"time"
)

// EventKind is what a drill event records.
type EventKind string

// The events of a drill. The screen reports drill-downs, the guide and
// actions; the drill itself records the injection and the end.
const (
	Injected        EventKind = "injected"         // the hidden fault was injected
	DrillDown       EventKind = "drill-down"       // the drill-down was opened on Component
	GuideOpened     EventKind = "guide-opened"     // the guide (the procedure walk) was opened: a hint
	GuideAnswered   EventKind = "guide-answered"   // a guide step was answered by hand: a hint
	ActionRequested EventKind = "action-requested" // an action's dialog was opened (a preview; nothing runs)
	ActionOutcome   EventKind = "action-outcome"   // a confirmed action's outcome (done, failed or refused by the guard)
	Cleared         EventKind = "cleared"          // the fault is gone and the estate is green
	Quit            EventKind = "quit"             // the trainee left the screen
	TimeUp          EventKind = "time-up"          // the time limit passed
)

// Results of an ActionOutcome, as the guard names them.
const (
	ResultDone    = "done"
	ResultFailed  = "failed"
	ResultRefused = "refused"
	ResultDryRun  = "dry-run"
)

// Event is one thing that happened during a drill.
type Event struct {
	Time      time.Time `json:"time"`
	Kind      EventKind `json:"kind"`
	Component string    `json:"component,omitempty"`
	Action    Action    `json:"action,omitempty"`
	// Result is an ActionOutcome's result (done, failed, refused, dry-run).
	Result string `json:"result,omitempty"`
	// Retry marks an outcome refused for what was typed (a wrong
	// confirmation word, a missing reason): nothing was confirmed.
	Retry bool `json:"retry,omitempty"`
	// Text is the event in words (the guard's outcome line, the guide step).
	Text string `json:"text,omitempty"`
	// Verdict is filled by Measure for confirmed actions: right, wrong or
	// risky; Why says why a move was wrong or risky.
	Verdict string `json:"verdict,omitempty"`
	Why     string `json:"why,omitempty"`
}

// confirmed reports whether e is an action the trainee confirmed: its
// outcome came back and it was not a dry run or refused for a typo.
func (e Event) confirmed() bool {
	return e.Kind == ActionOutcome && !e.Retry && e.Result != ResultDryRun
}

// Session follows one drill. Observe may be called from any goroutine
// (the screen's observer, the watcher).
type Session struct {
	K     Knowledge
	Start time.Time

	mu     sync.Mutex
	events []Event
	right  time.Time // when the right move was done
	ended  *Event
}

// NewSession starts following a drill of k injected at start.
func NewSession(k Knowledge, start time.Time) *Session {
	return &Session{K: k, Start: start, events: []Event{{Time: start, Kind: Injected, Component: k.RootCause}}}
}

// Observe records e; the right move done is noted for RightDone. Events
// after the end are kept out of the measures (Measure judges the actions).
func (s *Session) Observe(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended != nil {
		return
	}
	if e.confirmed() && e.Result == ResultDone && s.right.IsZero() {
		if v, _ := s.K.classify(Move{e.Action, e.Component}); v == right {
			s.right = e.Time
		}
	}
	s.events = append(s.events, e)
	if e.Kind == Cleared || e.Kind == Quit || e.Kind == TimeUp {
		s.ended = &s.events[len(s.events)-1]
	}
}

// RightDone reports whether the right move has been done.
func (s *Session) RightDone() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.right.IsZero()
}

// Ended reports whether the drill is over.
func (s *Session) Ended() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended != nil
}

// Events is the drill's events so far, in time order.
func (s *Session) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.events)
	slices.SortStableFunc(out, func(a, b Event) int { return a.Time.Compare(b.Time) })
	return out
}

// Result measures the drill from its events and scores it. A drill not
// ended yet is measured as it stands.
func (s *Session) Result() Result {
	return Measure(s.K, s.Start, s.Events())
}
