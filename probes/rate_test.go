package probes

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
		want  Rate
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first sample is not ready", []step{{0, 5, Rate{}}}},
		{"short window is not extrapolated", []step{
			{0, 5, Rate{}},
			{time.Second, 6, Rate{PerMinute: 1, Delta: 1, Span: time.Second, Ready: true}},
		}},
		{"keeps a minute of samples", []step{
			{0, 0, Rate{}},
			{30 * time.Second, 10, Rate{PerMinute: 10, Delta: 10, Span: 30 * time.Second, Ready: true}},
			{60 * time.Second, 20, Rate{PerMinute: 20, Delta: 20, Span: 60 * time.Second, Ready: true}},
			{90 * time.Second, 20, Rate{PerMinute: 10, Delta: 10, Span: 60 * time.Second, Ready: true}},
			{120 * time.Second, 20, Rate{PerMinute: 0, Delta: 0, Span: 60 * time.Second, Ready: true}},
		}},
		{"long windows scale to a minute", []step{
			{0, 0, Rate{}},
			{5 * time.Minute, 100, Rate{PerMinute: 20, Delta: 100, Span: 5 * time.Minute, Ready: true}},
		}},
		{"counter reset", []step{
			{0, 50, Rate{}},
			{time.Second, 3, Rate{Reset: true}},
			{2 * time.Second, 4, Rate{PerMinute: 1, Delta: 1, Span: time.Second, Ready: true}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w RateWindow
			for i, s := range tt.steps {
				assert.Equal(t, s.want, w.Add(t0.Add(s.after), s.v), "step %d", i)
			}
		})
	}
}
