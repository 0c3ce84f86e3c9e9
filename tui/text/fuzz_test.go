package text

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzSanitize checks what Sanitize promises the screen for any string from
// the estate: valid UTF-8 on one line, no control character (C0, C1, so no
// ESC and no sequence it could start), no bidirectional override, and
// nothing left to remove on a second pass.
func FuzzSanitize(f *testing.F) {
	f.Add("SELECT * FROM invoice WHERE id = 1")
	f.Add("\x1b[2J\x1b]0;owned\x07rm -rf /")
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		require.True(t, utf8.ValidString(out), "%q", out)
		require.False(t, strings.ContainsAny(out, "\n\r"), "%q", out)
		for _, r := range out {
			require.False(t, unicode.IsControl(r), "control %U in %q", r, out)
			require.False(t, isBidi(r), "bidi %U in %q", r, out)
		}
		require.Equal(t, out, Sanitize(out), "sanitising is idempotent")
		if isPlain(s) {
			require.Equal(t, s, out, "printable ASCII passes unchanged")
		}
	})
}
