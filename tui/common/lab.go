package common

import "github.com/fivelayer/triage/probes"

// Fault is one fault of the training estate (`triage lab`) as the fault
// panel shows it. The screen does not import the lab: the command adapts.
type Fault struct {
	Key         string // what Toggle takes
	Name        string // "503 storm"
	Description string // what it does and what it teaches
	Layer       probes.Layer
	Active      bool
}
