package mysql

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRateWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	type step struct {
		after time.Duration
		v     float64
		want  rateResult
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first sample is not ready", []step{{0, 5, rateResult{}}}},
		{"short window is not extrapolated", []step{
			{0, 5, rateResult{}},
			{time.Second, 6, rateResult{PerMinute: 1, Delta: 1, Span: time.Second, Ready: true}},
		}},
		{"keeps a minute of samples", []step{
			{0, 0, rateResult{}},
			{30 * time.Second, 10, rateResult{PerMinute: 10, Delta: 10, Span: 30 * time.Second, Ready: true}},
			{60 * time.Second, 20, rateResult{PerMinute: 20, Delta: 20, Span: 60 * time.Second, Ready: true}},
			{90 * time.Second, 20, rateResult{PerMinute: 10, Delta: 10, Span: 60 * time.Second, Ready: true}},
			{120 * time.Second, 20, rateResult{PerMinute: 0, Delta: 0, Span: 60 * time.Second, Ready: true}},
		}},
		{"long windows scale to a minute", []step{
			{0, 0, rateResult{}},
			{5 * time.Minute, 100, rateResult{PerMinute: 20, Delta: 100, Span: 5 * time.Minute, Ready: true}},
		}},
		{"counter reset", []step{
			{0, 50, rateResult{}},
			{time.Second, 3, rateResult{Reset: true}},
			{2 * time.Second, 4, rateResult{PerMinute: 1, Delta: 1, Span: time.Second, Ready: true}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w rateWindow
			for i, s := range tt.steps {
				assert.Equal(t, s.want, w.add(t0.Add(s.after), s.v), "step %d", i)
			}
		})
	}
}
