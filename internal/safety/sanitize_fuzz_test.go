package safety

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzSanitize checks what the sanitiser promises every output for any string
// from the estate: valid UTF-8, no control character (C0, C1, so no ESC and
// no sequence it could start) and no bidirectional override, nothing left to
// remove on a second pass, and printable ASCII unchanged. Sanitize gives one
// line; SanitizeText keeps newlines and tabs and nothing else.
func FuzzSanitize(f *testing.F) {
	f.Add("SELECT * FROM invoice WHERE id = 1")
	f.Add("\x1b[2J\x1b]0;owned\x07rm -rf /")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tc := range []struct {
			name      string
			fn        func(string) string
			keepLines bool
		}{{"Sanitize", Sanitize, false}, {"SanitizeText", SanitizeText, true}} {
			out := tc.fn(s)
			require.True(t, utf8.ValidString(out), "%s: %q", tc.name, out)
			require.False(t, strings.Contains(out, "\r"), "%s: %q", tc.name, out)
			for _, r := range out {
				if tc.keepLines && (r == '\n' || r == '\t') {
					continue
				}
				require.False(t, unicode.IsControl(r), "%s: control %U in %q", tc.name, r, out)
				require.False(t, IsBidi(r), "%s: bidi %U in %q", tc.name, r, out)
			}
			require.Equal(t, out, tc.fn(out), "%s is idempotent", tc.name)
			if isPlain(s) {
				require.Equal(t, s, out, "%s: printable ASCII passes unchanged", tc.name)
			}
		}
	})
}
