package text

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// Sanitize makes a string from the estate (SQL text, process names, hostnames,
// HTTP bodies) safe to draw: it removes ANSI/OSC/DCS escape sequences, C0 and
// C1 control characters and bidirectional overrides, turns newlines and tabs
// into spaces and replaces invalid UTF-8. The result is one line.
func Sanitize(s string) string {
	if isPlain(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	// C1 introducers (U+009B CSI, U+009D OSC, …) are stripped by the parser
	// along with their sequences; plain ESC sequences likewise.
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\v' || r == '\f':
			b.WriteByte(' ')
		case unicode.IsControl(r), isBidi(r):
			// dropped: \r would let a string overwrite the start of its own line
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII, the common case, so that
// Sanitize can return it without copying.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// isBidi reports the explicit bidirectional formatting characters, which can
// make text display in an order other than the one it is stored in.
func isBidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}
