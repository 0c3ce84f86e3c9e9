// Package sshserve serves the screen over SSH for `triage serve --ssh` and
// `triage lab --ssh` (docs/serve.md): one scheduler and one incident, many
// sessions. Each session is its own Bubble Tea program (wish's bubbletea
// middleware) with its own terminal size, colour profile and navigation;
// every session reads the same incident.Tracker, which the server feeds
// once per round (probes/serve Hub), so the grade, the SLA clock, the
// timeline and the guide's answers are the same for all.
//
// Authentication is by public key only, against an OpenSSH authorized_keys
// file. A key is a viewer unless its line carries the option
// environment="TRIAGE_ROLE=operator". A session acts through its own view of
// the one guard (remedy.Guard.For), so a viewer is refused by the guard
// itself and an operator's audit records name the key and the SSH origin.
//
// A session never holds up anything else: snapshots reach it through a
// one-slot channel, it has its own goroutines, and one that stops reading is
// ended after its idle time; its connection is closed when it will not end.
package sshserve
