package host

import (
	"strings"

	"github.com/fivelayer/triage/internal/safety"
)

// redactCmdline masks likely secrets in a process's command line (raw
// /proc/PID/cmdline: words separated by NUL) before it goes into evidence:
// other people's argv is not triage's to publish. A process that rewrote
// its title has one word with spaces, redacted as a line.
func redactCmdline(raw string) string {
	argv := strings.Split(strings.TrimRight(raw, "\x00"), "\x00")
	if len(argv) == 1 {
		return safety.RedactCmdline(argv[0])
	}
	return strings.Join(safety.RedactArgs(argv), " ")
}
