// Package remedy is the one guard every remediation goes through, from the
// screen and from `triage act` alike (docs/guard.md): kill a blocking database
// session (or only its statement), restart a service, switch to the standby
// (planned switchover, or failover when the primary is gone).
//
// The flow is always Preview, then Execute:
//
//   - Preview reads the live state and returns a Plan: what exactly will run
//     (SQL or argv), on which target, the preconditions with their live
//     values, a label saying what happens, the word the operator must type,
//     the identity the confirmation is bound to, and, when it cannot run, why.
//   - Execute takes the plan back with what the operator typed. It enforces
//     every rule itself (read-only, replay, not enabled, confirmation,
//     reason, cooldown), re-reads the preconditions and the bound identity
//     immediately before acting, writes and fsyncs the intent to the audit
//     log before anything runs (a failed write means nothing runs), runs the
//     steps one by one, each only after the previous succeeded, verifies by
//     probing again, and writes and fsyncs the outcome before returning.
//
// Callers never decide whether an action is allowed: they show the Plan and
// the Outcome. Execute only trusts the plan id, the reason and the dry-run
// flag from the plan it is given; everything else comes from the guard's own
// copy of the preview. The SQL primitives live in probes/mysql; this package
// imports nothing that draws.
package remedy
