// Package incident is the pure logic of an incident: the runbook's four grades
// and their SLA clock, `for:` holding, the likely-cause ranking by layer, the
// procedure of the runbook's flow chart (hints and the guide's walk), and the
// timeline. It does no I/O; `triage check`, `triage act` and the screen
// all grade through it.
package incident
