// Package tui is triage's screen: a full-screen Bubble Tea v1 program fed by
// the scheduler's snapshot stream. The root model is small — it owns the
// shared context, the incident tracker and the key map, and dispatches keys
// and snapshots to the child components in the sub-packages (panes, drill,
// pathview, views); View only composes their cached output.
package tui
