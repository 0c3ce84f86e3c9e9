package safety

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMask(t *testing.T) {
	dsn := `app:p"w@tcp(db:3306)/x`
	tests := []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"raw", "dsn=" + dsn, []string{dsn, `p"w`}, "dsn=…"},
		{"json escaped", `{"dsn":"app:p\"w@tcp(db:3306)/x"}`, []string{dsn}, `{"dsn":"…"}`},
		{"url escaped", "u=" + url.QueryEscape(dsn), []string{dsn}, "u=…"},
		{"the longer secret first", "app:p\"w@tcp(db:3306)/x and p\"w", []string{`p"w`, dsn}, "… and …"},
		{"too short to mask", "ok ab", []string{"ab"}, "ok ab"},
		{"none", "", []string{"x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Mask(tt.in, tt.secrets))
		})
	}
}

func TestCapture(t *testing.T) {
	secret := "Sup3r-secret-pw"
	tests := []struct {
		name  string
		input string
		keep  func(string) bool
	}{
		{"small output whole", "hello " + secret, func(s string) bool { return s == "hello …" }},
		{"secret cut by the omitted middle",
			strings.Repeat("a", 95) + secret + strings.Repeat("b", 5000) + secret + strings.Repeat("c", 95),
			func(s string) bool { return strings.Contains(s, "bytes omitted") }},
		{"just over the bound, nothing dropped, fits once masked",
			strings.Repeat("a", 95) + secret + strings.Repeat("c", 100),
			func(s string) bool { return strings.Contains(s, "a…c") }},
		{"far over the bound, nothing dropped",
			strings.Repeat("a", 95) + secret + strings.Repeat("c", 500),
			func(s string) bool { return strings.Contains(s, "bytes omitted") && strings.HasPrefix(s, "aaa") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCapture(100, 100)
			// Written in small pieces, as a pipe delivers it.
			for i := 0; i < len(tt.input); i += 7 {
				_, _ = c.Write([]byte(tt.input[i:min(i+7, len(tt.input))]))
			}
			got := c.String([]string{secret})
			assert.True(t, tt.keep(got), got)
			assert.EqualValues(t, len(tt.input), c.Len())
			for i := 4; i <= len(secret); i++ {
				// No piece of the secret longer than 3 bytes survives.
				assert.NotContains(t, got, secret[:i])
				assert.NotContains(t, got, secret[len(secret)-i:])
			}
			assert.Less(t, len(got), 300)
		})
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, line, text string
	}{
		{"plain", "SELECT 1", "SELECT 1", "SELECT 1"},
		{"OSC with its payload", "a\x1b]0;pwned title\x07b", "ab", "ab"},
		{"OSC 8 link", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click", "click"},
		{"CSI", "\x1b[2J\x1b[31mred\x1b[0m", "red", "red"},
		{"C1 CSI as a character: the sequence goes with its parameters", "x\u009b2Jy", "xy", "xy"},
		{"right-to-left override", "evil\u202Etxt.exe", "eviltxt.exe", "eviltxt.exe"},
		{"carriage return", "ok\rFAIL", "okFAIL", "okFAIL"},
		{"lines", "a\nb\tc", "a b c", "a\nb\tc"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.line, Sanitize(tt.in))
			assert.Equal(t, tt.text, SanitizeText(tt.in))
		})
	}
}
