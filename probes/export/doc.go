// Package export writes one graded round as `triage check` prints it: the
// JSON contract of docs/contracts.md, plain text for a terminal or a ticket, and the
// Prometheus text exposition format (written with prometheus/common's expfmt).
package export
