package text

import "github.com/fivelayer/triage/internal/safety"

// Sanitize makes a string from the estate (SQL text, process names, hostnames,
// HTTP bodies) safe to draw: it removes ANSI/OSC/DCS escape sequences, C0 and
// C1 control characters and bidirectional overrides, turns newlines and tabs
// into spaces and replaces invalid UTF-8. The result is one line. It is
// safety.Sanitize, the one copy every output uses.
func Sanitize(s string) string { return safety.Sanitize(s) }
