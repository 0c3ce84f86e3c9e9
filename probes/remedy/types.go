package remedy

import (
	"cmp"
	"errors"
	"time"

	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// ActionKind names a remediation; the actions, their keys, config sections
// and confirmation words are the one table in probes/remedy/catalog.
type ActionKind = catalog.Kind

// The actions (catalog.Kind). KillSession and KillQuery need kill_session
// in the component's config, Restart needs restart, Switchover and
// Failover need switchover (on the primary's component).
const (
	KillSession = catalog.KillSession
	KillQuery   = catalog.KillQuery
	Restart     = catalog.Restart
	Switchover  = catalog.Switchover
	Failover    = catalog.Failover
)

// Results an Outcome can have.
const (
	ResultDone    = "done"    // every step ran and succeeded
	ResultFailed  = "failed"  // something ran and a step failed
	ResultRefused = "refused" // nothing ran
	ResultDryRun  = "dry-run" // the plan was shown and recorded; nothing ran
	// ResultNotRecorded: the action ran (Outcome.Ran says how it went) but
	// its outcome could not be written to the audit log. Done and failed
	// are only ever results of a recorded outcome.
	ResultNotRecorded = "not-recorded"
)

// Refusals. Execute returns them wrapped; test with errors.Is.
var (
	ErrReadOnly       = errors.New("read-only mode: actions are disabled")
	ErrViewer         = errors.New("viewer: this key may watch but not act")
	ErrReplay         = errors.New("replay: actions are disabled on a recorded session")
	ErrNotEnabled     = errors.New("action not enabled for this component in the config")
	ErrNotConfirmed   = errors.New("confirmation does not match")
	ErrReasonRequired = errors.New("a reason is required")
	ErrCooldown       = errors.New("cooldown: the action ran too recently")
	ErrBusy           = errors.New("another action is running on this component")
	ErrStale          = errors.New("target changed since the preview")
	ErrPrecondition   = errors.New("precondition not met")
	ErrNoTarget       = errors.New("nothing to act on")
	ErrUnknownPlan    = errors.New("unknown or already used preview; preview again")
	ErrAudit          = errors.New("audit log write failed")
	// ErrFailed marks an attempt that ran and failed (exit 2), as opposed to a refusal.
	ErrFailed = errors.New("action failed")
)

// Request is what the operator asked for.
type Request struct {
	Action    ActionKind `json:"action"`
	Component string     `json:"component"`
	// Thread is the session to kill; 0 picks the first root blocker.
	Thread int64 `json:"thread,omitempty"`
	// Reason is free text for the audit; required for switchover and failover.
	Reason string `json:"reason,omitempty"`
	// DryRun shows and records the plan without running it.
	DryRun bool `json:"dry_run,omitempty"`
	// Operator and Origin default to $USER and $SSH_CLIENT.
	Operator string `json:"operator,omitempty"`
	Origin   string `json:"origin,omitempty"`
}

// Precondition is one check with its live value.
type Precondition struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	OK   bool   `json:"ok"`
}

// Plan is a preview: exactly what Execute would do and why it may not.
type Plan struct {
	Request
	// ID identifies the preview to Execute.
	ID string `json:"id"`
	// Label says what happens, e.g. "kill connection 4711 (rolls back 12,408 rows)".
	Label string `json:"label"`
	// Target names what is acted on.
	Target string `json:"target"`
	// Commands are the exact SQL or argv, prefixed with the server they run on
	// where there are several; passwords appear as '…'.
	Commands []string `json:"commands"`
	// ConfirmWord is what the operator must type: the thread id for a kill,
	// the component's name for a restart, the standby's name for a switchover.
	ConfirmWord string `json:"confirm_word"`
	// SecondConfirm is the second word for a failover: the old primary's name.
	SecondConfirm string `json:"second_confirm,omitempty"`
	// Preconditions with their live values; all must hold.
	Preconditions []Precondition `json:"preconditions"`
	// Binding is the identity the confirmation is bound to; Execute refuses
	// when it differs at execution.
	Binding map[string]string `json:"binding,omitempty"`
	// Before is the target's state at the preview (for "did it help").
	Before string `json:"before,omitempty"`
	// Warnings are shown prominently (transactions a failover may lose).
	Warnings []string `json:"warnings,omitempty"`
	// Refusal is non-nil when Execute would refuse: read-only, replay, not
	// enabled, cooldown, a false precondition, nothing to act on.
	Refusal error `json:"-"`
	// Created is when the preview was taken.
	Created time.Time `json:"created"`
}

// Ready reports whether every precondition holds and nothing refuses.
func (p Plan) Ready() bool { return p.Refusal == nil && allOK(p.Preconditions) }

func allOK(ps []Precondition) bool {
	for _, p := range ps {
		if !p.OK {
			return false
		}
	}
	return true
}

// StepResult is one step that ran, with the state after it.
type StepResult struct {
	Name    string `json:"name"`
	Command string `json:"command,omitempty"`
	OK      bool   `json:"ok"`
	// State is what was read back after the step.
	State      string `json:"state,omitempty"`
	Output     string `json:"output,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// Outcome is what Execute did.
type Outcome struct {
	Plan   Plan   `json:"plan"`
	Result string `json:"result"`
	// Verified is true when probing again showed the action took effect.
	Verified     bool         `json:"verified"`
	Verification string       `json:"verification,omitempty"`
	Steps        []StepResult `json:"steps,omitempty"`
	// Output is the command's stdout and stderr (restart), truncated.
	Output string `json:"output,omitempty"`
	// Next says what to do after a failure or a refusal, with the exact state.
	Next string `json:"next,omitempty"`
	// Err is the refusal or failure, nil when done.
	Err error `json:"-"`
	// Preconditions and Binding are the values re-read at execution (shown on
	// a stale or false precondition).
	Preconditions []Precondition    `json:"preconditions,omitempty"`
	Binding       map[string]string `json:"binding,omitempty"`
	Duration      time.Duration     `json:"-"`
	// Ran is what the steps did (ResultDone or ResultFailed) when Result
	// is ResultNotRecorded.
	Ran string `json:"ran,omitempty"`
	// Record is the outcome's audit record as written; nil when it could
	// not be written (then Draft is what the guard tried to write).
	Record *Record `json:"-"`
	Draft  *Record `json:"-"`
}

// Recorded reports whether the outcome is in the audit log.
func (o Outcome) Recorded() bool { return o.Record != nil }

// Headline is the result in words, the same on the screen, the timeline
// and the CLI: "done, verified", "done, NOT verified", "done — NOT
// RECORDED", "failed", "refused", "dry-run".
func (o Outcome) Headline() string {
	switch {
	case o.Result == ResultNotRecorded:
		return cmp.Or(o.Ran, "ran") + " — NOT RECORDED"
	case o.Result == ResultDone && o.Verified:
		return "done, verified"
	case o.Result == ResultDone:
		return "done, NOT verified"
	}
	return o.Result
}

// ExitCode is the CLI's code (docs/contracts.md): 0 done, verified and recorded (or
// a recorded dry run), 1 refused by the guard, 2 attempted and failed, not
// verified, or not recorded.
func (o Outcome) ExitCode() int {
	switch {
	case o.Result == ResultRefused:
		return 1
	case o.Err != nil, !o.Recorded():
		return 2
	case o.Result == ResultDryRun, o.Result == ResultDone && o.Verified:
		return 0
	}
	return 2
}
