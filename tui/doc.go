// Package tui is triage's screen: a full-screen Bubble Tea v1 program fed by
// the scheduler's snapshot stream. The root model is small — it owns the
// shared context (with the one key map, common.KeyMap), the incident
// tracker and an overlay stack of child models (stack.go): the main grid at
// the bottom, then views (drill-down, path, timeline, guide, wall) and
// overlays (trace, fault panel, help, filter), each with its own Update,
// View and footer Help. The root Update only routes: the action dialog has
// every key; an overlay gets a key before the global keys (global.go), a
// view after them. Drawing is done by the sub-packages (panes, drill,
// pathview, views); View only composes their cached output.
package tui
