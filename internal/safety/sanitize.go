package safety

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// Sanitize makes a string from the estate (SQL text, process names,
// hostnames, HTTP bodies) safe to print on a terminal as one line: escape
// sequences go whole (an OSC's payload with it), C0 and C1 controls and
// bidirectional overrides go, newlines and tabs become spaces, and invalid
// UTF-8 becomes U+FFFD.
func Sanitize(s string) string { return sanitize(s, false) }

// SanitizeText is Sanitize keeping newlines and tabs, for multi-line text
// (a command's output, a report).
func SanitizeText(s string) string { return sanitize(s, true) }

func sanitize(s string, keepLines bool) string {
	if isPlain(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	// A C1 introducer written as a character (U+009B CSI, U+009D OSC, …) is
	// spelled as its ESC pair first, so the parser drops the sequence with
	// what it carries rather than the introducer alone.
	s = sevenBit(s)
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n' || r == '\t' || r == '\v' || r == '\f':
			b.WriteByte(' ')
		case unicode.IsControl(r), IsBidi(r):
			// dropped: \r would let a string overwrite the start of its own line
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII, the common case, returned
// without copying.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// IsBidi reports the explicit bidirectional formatting characters, which
// make text display in an order other than the one it is stored in.
func IsBidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// sevenBit rewrites the C1 controls U+0080–U+009F as ESC and their 7-bit
// letter (U+009B → ESC [).
func sevenBit(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 && r <= 0x9f }) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if r >= 0x80 && r <= 0x9f {
			b.WriteByte(0x1b)
			b.WriteRune(r - 0x40)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
