package remedy

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// DefaultCooldown is the restart cooldown when the config gives none.
const DefaultCooldown = 5 * time.Minute

// Execute runs a previewed plan after the operator typed typed (and, for a
// failover, typedSecond). From plan it reads only ID, Reason and DryRun;
// the rest comes from the guard's copy of the preview. Every rule of docs/guard.md
// is enforced here, in this order: known preview; read-only; replay;
// enabled in config; the preview's own refusal; preview age; reason
// (switchover, failover); typed confirmation; no other action running on
// the component; cooldown (from the audit log on disk); preconditions and
// bound identity re-read now. Then the intent is written and fsynced
// (nothing runs if that fails), the steps run, the result is verified by
// probing again, and the outcome is written and fsynced before Execute
// returns. A failed outcome write is returned (wrapping ErrAudit) with the
// outcome, so the caller can say the action ran but is not recorded.
//
// The error is nil when the action was done (check Outcome.Verified), wraps
// a refusal sentinel (ErrReadOnly, ErrNotConfirmed, …) when nothing ran, and
// wraps ErrFailed when something ran and failed.
func (g *Guard) Execute(ctx context.Context, plan Plan, typed, typedSecond string) (Outcome, error) {
	start := time.Now()
	g.mu.Lock()
	is := g.plans[plan.ID]
	g.mu.Unlock()
	if is == nil || is.by != g.principal.key() { // a preview runs only for whoever asked for it
		return g.refuse(Outcome{Plan: plan}, ErrUnknownPlan, start)
	}
	p := clonePlan(is.plan)
	p.Reason, p.DryRun = plan.Reason, plan.DryRun
	out := Outcome{Plan: p}

	comp, err := g.gate(p.Request)
	if err != nil {
		return g.refuse(g.consume(out, is), err, start)
	}
	if p.Refusal != nil || is.act == nil {
		return g.refuse(g.consume(out, is), cmpOr(p.Refusal, ErrUnknownPlan), start)
	}
	if age := g.opts.Now().Sub(p.Created); age > g.opts.MaxPlanAge {
		return g.refuse(g.consume(out, is), fmt.Errorf("%w: the preview is %s old; preview again", ErrStale, age.Round(time.Second)), start)
	}
	if spec, _ := catalog.Lookup(p.Action); spec.ReasonRequired && p.Reason == "" {
		return g.refuse(out, fmt.Errorf("%w for %s", ErrReasonRequired, p.Action), start)
	}
	if err := confirm(p, typed, typedSecond); err != nil {
		return g.refuse(out, err, start)
	}
	// Claim the preview and the component atomically: one execution per
	// preview, one action at a time per component in this process.
	g.mu.Lock()
	switch {
	case g.plans[p.ID] != is:
		g.mu.Unlock()
		return g.refuse(out, ErrUnknownPlan, start)
	case g.busy[p.Component]:
		g.mu.Unlock()
		return g.refuse(out, fmt.Errorf("%w: an action on %s is running", ErrBusy, p.Component), start)
	}
	delete(g.plans, p.ID)
	g.busy[p.Component] = true
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.busy, p.Component)
		g.mu.Unlock()
		is.act.close()
	}()
	if err := g.cooldown(p.Request, comp); err != nil {
		return g.refuse(out, err, start)
	}

	pre, binding, err := is.act.recheck(ctx, p)
	out.Preconditions, out.Binding = pre, binding
	switch {
	case err != nil:
		return g.refuse(out, fmt.Errorf("%w: re-check failed: %v", ErrPrecondition, err), start)
	case !allOK(pre):
		return g.refuse(out, fmt.Errorf("%w: %s", ErrPrecondition, failed(pre)), start)
	case !maps.Equal(binding, p.Binding):
		return g.refuse(out, fmt.Errorf("%w: %s", ErrStale, bindingDiff(p.Binding, binding)), start)
	}
	p.Preconditions = pre

	if p.DryRun {
		out.Result = ResultDryRun
		out.Duration = time.Since(start)
		rec := g.record(PhaseOutcome, p, out)
		if err := g.audit.append(rec, g.secretList()); err != nil {
			out.Result, out.Err = ResultRefused, err
			out.Draft = g.redacted(g.record(PhaseOutcome, p, out))
			return out, err
		}
		out.Record = g.redacted(rec)
		return out, nil
	}

	if err := g.audit.append(g.record(PhaseIntent, p, out), g.secretList()); err != nil {
		out.Result, out.Err = ResultRefused, err
		out.Next = "nothing was run: the intent could not be recorded; fix the audit log (" + g.opts.AuditPath + ") and try again"
		out.Duration = time.Since(start)
		out.Draft = g.redacted(g.record(PhaseOutcome, p, out))
		return out, err
	}

	runErr := is.act.run(ctx, p, &out)
	switch {
	case runErr == nil:
		out.Result = ResultDone
		is.act.verify(ctx, p, &out)
	case errors.Is(runErr, ErrStale) || errors.Is(runErr, ErrPrecondition):
		out.Result, out.Err = ResultRefused, runErr
	default:
		out.Result, out.Err = ResultFailed, fmt.Errorf("%w: %v", ErrFailed, runErr)
	}
	out.Duration = time.Since(start)
	rec := g.record(PhaseOutcome, p, out)
	if err := g.audit.append(rec, g.secretList()); err != nil {
		// The action ran; what it did is not on record. The result says
		// so, so nothing downstream can show it as a plain success.
		out.Draft = g.redacted(rec)
		if out.Result == ResultDone || out.Result == ResultFailed {
			out.Ran, out.Result = out.Result, ResultNotRecorded
		}
		if out.Err == nil {
			out.Err = err
		} else {
			out.Err = fmt.Errorf("%w (and %v)", out.Err, err)
		}
		out.Next = strings.TrimSpace(fmt.Sprintf("the action ran (%s) but its outcome is NOT in the audit log %s: write down what happened and fix the log. %s",
			cmp.Or(out.Ran, out.Result), g.opts.AuditPath, out.Next))
		return out, out.Err
	}
	out.Record = g.redacted(rec)
	return out, out.Err
}

// redacted returns rec as the audit log holds it: every secret replaced.
func (g *Guard) redacted(rec Record) *Record {
	b, err := json.Marshal(rec)
	if err != nil {
		return &rec
	}
	var out Record
	if json.Unmarshal(redactJSON(b, g.secretList()), &out) != nil {
		return &rec
	}
	return &out
}

func cmpOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// consume forgets the preview and closes its connections: after anything
// but a typo or a missing reason the operator must preview again.
func (g *Guard) consume(out Outcome, is *issued) Outcome {
	g.mu.Lock()
	delete(g.plans, out.Plan.ID)
	g.mu.Unlock()
	if is.act != nil {
		is.act.close()
	}
	return out
}

// refuse records a refusal (best effort: a refusal stands even when the
// audit log cannot be written) and returns it.
func (g *Guard) refuse(out Outcome, err error, start time.Time) (Outcome, error) {
	out.Result, out.Err = ResultRefused, err
	out.Duration = time.Since(start)
	if out.Next == "" {
		out.Next = "nothing was run"
	}
	rec := g.record(PhaseOutcome, out.Plan, out)
	if aerr := g.audit.append(rec, g.secretList()); aerr != nil {
		out.Next += "; the refusal could not be recorded: " + aerr.Error()
		rec.Next = out.Next
		out.Draft = g.redacted(rec)
		return out, err
	}
	out.Record = g.redacted(rec)
	return out, err
}

func confirm(p Plan, typed, typedSecond string) error {
	if p.DryRun && typed == "" && typedSecond == "" {
		return nil // a dry run runs nothing; a typed word is still checked when given
	}
	if typed != p.ConfirmWord {
		return fmt.Errorf("%w: typed %q, want %q", ErrNotConfirmed, typed, p.ConfirmWord)
	}
	if p.SecondConfirm != "" && typedSecond != p.SecondConfirm {
		return fmt.Errorf("%w: second confirmation typed %q, want %q", ErrNotConfirmed, typedSecond, p.SecondConfirm)
	}
	return nil
}

// cooldown refuses a restart that ran less than its cooldown ago. The last
// attempt is read from the audit log on disk, so the cooldown survives a
// restart of triage and covers other triage processes; an unreadable log
// refuses (fail closed).
func (g *Guard) cooldown(req Request, comp *config.Component) error {
	if req.Action != Restart || comp.Actions.Restart == nil {
		return nil
	}
	cd := comp.Actions.Restart.Cooldown.D()
	if cd <= 0 {
		cd = DefaultCooldown
	}
	last, ok, err := g.audit.lastAttempt(Restart, comp.Name)
	if err != nil {
		return fmt.Errorf("%w: cannot read the audit log to check it: %v", ErrCooldown, err)
	}
	if !ok {
		return nil
	}
	if since := g.opts.Now().Sub(last.Time); since < cd {
		return fmt.Errorf("%w: %s was restarted %s ago by %s; next allowed in %s (cooldown %s)",
			ErrCooldown, comp.Name, since.Round(time.Second), last.Operator, (cd - since).Round(time.Second), cd)
	}
	return nil
}

// record builds an audit record of p and out.
func (g *Guard) record(phase string, p Plan, out Outcome) Record {
	r := Record{
		Time: g.opts.Now(), Phase: phase, ID: p.ID,
		Operator: p.Operator, Origin: p.Origin, Host: g.opts.Host,
		Action: p.Action, Component: p.Component, Target: p.Target, Label: p.Label,
		Commands: p.Commands, Preconditions: p.Preconditions, Binding: p.Binding,
		Reason: p.Reason, DryRun: p.DryRun,
	}
	if r.Operator == "" {
		r.Operator = g.opts.Operator
	}
	if r.Origin == "" {
		r.Origin = g.opts.Origin
	}
	if len(out.Preconditions) > 0 {
		r.Preconditions = out.Preconditions
	}
	if phase == PhaseOutcome {
		r.Result = out.Result
		v := out.Verified
		if out.Result == ResultDone {
			r.Verified = &v
		}
		r.Verification, r.Steps, r.Next = out.Verification, out.Steps, out.Next
		if out.Err != nil {
			r.Error = out.Err.Error()
		}
		r.DurationMS = out.Duration.Milliseconds()
		r.Output = safety.Bound(out.Output, maxOutput/2, maxOutput/2)
	}
	return r
}

func bindingDiff(was, now map[string]string) string {
	s := ""
	for k, v := range was {
		if now[k] != v {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%s was %q, now %q", k, v, now[k])
		}
	}
	for k, v := range now {
		if _, ok := was[k]; !ok {
			s += fmt.Sprintf(", %s now %q", k, v)
		}
	}
	return s
}
