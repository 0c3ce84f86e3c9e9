package probes

import (
	"os"
	"runtime/debug"
)

// MemoryLimit is the soft memory limit for a process watching checks
// checks: 64 MiB, plus 4 KiB a check (about twice what a check holds
// between rounds: its state, history and latest evidence, and its share of
// a round's diagnosis and report).
//
// Without a limit the Go runtime lets the heap grow to twice what is live
// before collecting, and returns freed memory to the system slowly: at ten
// thousand checks `triage serve` held 150–215 MiB for 46–55 MiB of live
// heap. With the limit the collector and the scavenger keep it near the
// limit (127–133 MiB resident, binary included) at no measurable CPU cost
// (docs/probes.md).
func MemoryLimit(checks int) int64 {
	return 64<<20 + int64(max(checks, 0))*4<<10
}

// SetMemoryLimit sets the runtime's soft memory limit to
// MemoryLimit(checks), unless GOMEMLIMIT is set: the operator's own limit
// wins. It returns the limit in effect and whether it set it. The limit is
// soft: a heap that needs more gets it, collected more often.
func SetMemoryLimit(checks int) (int64, bool) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1), false
	}
	l := MemoryLimit(checks)
	debug.SetMemoryLimit(l)
	return l, true
}

// NumChecks is how many checks the scheduler holds (fleet probes add theirs
// as they find instances).
func (s *Scheduler) NumChecks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.order)
}
