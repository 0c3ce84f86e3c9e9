// Package dialog is the screen's confirmation dialog for the guarded actions
// (docs/guard.md): it shows the guard's preview exactly — the label, the
// target, the SQL or argv, every precondition with its live value, the
// warnings — asks for a reason and the typed confirmation word (two for a
// failover), runs the action and shows the outcome step by step.
//
// The dialog never decides whether an action is allowed: every refusal comes
// from remedy.Guard and is shown in words. All of the guard's I/O (Preview,
// Execute, Forget) runs in tea.Cmds; Update and View only move state. Every
// string from the plan or the outcome is sanitised before it is drawn.
package dialog
