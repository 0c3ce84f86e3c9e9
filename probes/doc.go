// Package probes holds the contract every probe kind implements (Layer, Status,
// Check, Result, Probe, Spec), the thresholds they grade against, and the
// Scheduler that runs them in rounds under timeouts and a bounded worker pool.
//
// Nothing here imports a terminal library: `triage check`, `triage act` and the
// screen share every decision made below.
package probes
