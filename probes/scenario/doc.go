// Package scenario holds the diagnosis's acceptance suite: real servers
// (the lab's estate, nginx, MariaDB, Redis) with real faults injected, each
// graded and diagnosed as `triage check` does it, on a machine kept busy by
// the suite itself. It has no code of its own; see its tests and
// docs/diagnosis.md for the rules they hold the diagnosis to.
package scenario
