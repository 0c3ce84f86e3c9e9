package tui

import (
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
)

// Source feeds the screen with snapshots: *probes.Scheduler when live, a
// replay player (probes/record) in replay. A source that also has
// Start(context.Context) is started by Run.
type Source interface {
	// Subscribe returns a channel holding the newest snapshot not yet read.
	Subscribe() <-chan probes.Snapshot
	// Snapshot returns the current state.
	Snapshot() probes.Snapshot
	// Trigger asks for a probe round now ("r").
	Trigger()
}

var _ Source = (*probes.Scheduler)(nil)

// LabControl switches the training estate's faults; the fault panel ("f",
// LAB mode only) lists and toggles them through it.
type LabControl interface {
	Faults() []common.Fault
	Toggle(key string) error
}
