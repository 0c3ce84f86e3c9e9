// Package store is the incident store: one SQLite file in the state
// directory that keeps each estate's open incident as it happens (a
// journal on incident.Tracker), resumes it after a restart, closes it once
// the estate has been green long enough, and keeps the closed ones with
// their reports for `triage incidents` and the drill-down's "seen before".
// One process writes a file; others read it. docs/incidents.md has the
// rules.
package store
