// Package serve publishes one estate over HTTP for Prometheus and for other
// tools: /metrics (Prometheus text or OpenMetrics through client_golang),
// /api/v1/snapshot (the JSON of `triage check --format json`) and /healthz.
//
// A Live holds the latest graded snapshot. It is fed by one scheduler and one
// incident.Tracker, the same pair the screen uses, so `for:` durations and the
// grade agree with what an operator sees. A scrape reads the latest snapshot
// and its age; it never waits for a probe round, as blackbox_exporter does.
//
// A Hub is the scheduler's one reader in `triage serve`: it grades each
// completed round once through the Live, then hands the snapshot to every
// SSH session's screen (docs/serve.md), newest first, never waiting on one.
package serve
