package alerting

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// An alert's name becomes a check name: one terminal-safe word.
func TestAlertNameAsCheckName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "unnamed"},
		{"HighLatency", "HighLatency"},
		{"disk full /var", "disk_full__var"},
		{"Evil\x1b]0;pwned\x07Alert", "EvilAlert"},
		{"rtl\u202eTLA", "rtlTLA"},
		{"line\nbreak", "line_break"},
		{"\x1b[2J", "unnamed"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) { assert.Equal(t, tt.want, sanitize(tt.in)) })
	}
}
