// Package views holds the full-screen views besides the panes: the timeline,
// the guide (the runbook's procedure answered from live checks), the wall view
// for the war room, and the incident summary cell of the main grid.
package views
