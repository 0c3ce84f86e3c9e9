package safety

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestThresholdText(t *testing.T) {
	tests := []struct {
		word  string
		below bool
		v     float64
		unit  string
		want  string
	}{
		{"crit", false, 10, "s", "crit > 10 s"},
		{"crit", false, 10, " s", "crit > 10 s"},
		{"warn", false, 80, "%", "warn > 80%"},
		{"warn", true, 30, "days", "warn < 30 days"},
		{"crit", false, 50, "/min", "crit > 50/min"},
		{"warn", false, 0.25, "", "warn > 0.25"},
		{"warn", false, 1.5e6, "", "warn > 1500000"},
		{"", false, 80, "", "> 80"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, ThresholdText(tt.word, tt.below, tt.v, tt.unit))
		})
	}
}
