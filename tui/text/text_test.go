package text

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/probes"
	_ "github.com/fivelayer/triage/tui/internal/golden" // defines -update for go test ./tui/...
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "SELECT 1", "SELECT 1"},
		{"osc title", "a\x1b]0;pwned\x07b", "ab"},
		{"osc st", "a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "alink"},
		{"clear screen", "x\x1b[2Jy", "xy"},
		{"colour", "\x1b[31mred\x1b[0m", "red"},
		{"carriage return", "ok\rFAKE", "okFAKE"},
		{"newline and tab", "a\nb\tc", "a b c"},
		{"bell and backspace", "a\x07\x08b", "ab"},
		{"c1 csi: the whole sequence goes", "a\u009b2Jb", "ab"},
		{"bidi override", "abc\u202Edef", "abcdef"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"unicode kept", "→ 10.0.0.1 ✔ 数据库", "→ 10.0.0.1 ✔ 数据库"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, "\x1b")
		})
	}
}

func TestNumberAndValue(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{0, "", "0"}, {0.25, "s", "0.25 s"}, {14.2, "s", "14.2 s"}, {85, "%", "85%"},
		{1234, "ms", "1234 ms"}, {12408, "", "12.4k"}, {2.5e6, "B", "2.5M B"}, {-3, "", "-3"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, Value(&tt.v, tt.unit))
		})
	}
	assert.Equal(t, "", Value(nil, "ms"))
}

func TestAgeAndClock(t *testing.T) {
	assert.Equal(t, "4s", Age(4*time.Second))
	assert.Equal(t, "3m", Age(3*time.Minute+10*time.Second))
	assert.Equal(t, "2h", Age(2*time.Hour))
	assert.Equal(t, "3d", Age(72*time.Hour))
	assert.Equal(t, "0s", Age(-time.Second))
	assert.Equal(t, "00:42:13", Clock(42*time.Minute+13*time.Second))
	assert.Equal(t, "00:03:10", Clock(-(3*time.Minute + 10*time.Second)))
}

func TestSpark(t *testing.T) {
	s := func(vs ...float64) []probes.Sample {
		out := make([]probes.Sample, len(vs))
		for i, v := range vs {
			out[i] = probes.Sample{Value: v, HasValue: v >= 0}
		}
		return out
	}
	tests := []struct {
		name string
		h    []probes.Sample
		n    int
		want string
	}{
		{"ramp", s(0, 1, 2, 3, 4, 5, 6, 7), 8, "▁▂▃▄▅▆▇█"},
		{"tail only", s(0, 7, 0, 7), 2, "▁█"},
		{"flat zero", s(0, 0, 0), 8, "▁▁▁"},
		{"flat nonzero", s(80, 80), 8, "▄▄"},
		{"gap", s(0, -1, 7), 8, "▁ █"},
		{"no values", s(-1, -1), 8, ""},
		{"empty", nil, 8, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(Spark(tt.h, tt.n)))
		})
	}
}

func TestChart(t *testing.T) {
	rows := Chart([]float64{0, 4, 8}, 2)
	assert.Equal(t, []string{"  █", "▁██"}, rows)
	assert.Nil(t, Chart(nil, 3))
}

func TestFit(t *testing.T) {
	assert.Equal(t, "abc  ", Fit("abc", 5))
	assert.Equal(t, "abcd…", Fit("abcdefgh", 5))
	assert.Equal(t, 5, Width(Fit("⌛ab", 5)))
	assert.Equal(t, "   42", FitLeft("42", 5))
	assert.Equal(t, []string{"ab ", "   "}, Block([]string{"ab"}, 3, 2))
}
