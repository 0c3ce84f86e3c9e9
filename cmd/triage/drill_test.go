package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Flag mistakes are refused with exit 3 before anything starts (no lab,
// no terminal needed).
func TestDrillFlagMistakes(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"seed without drill", []string{"lab", "--seed", "3"}},
		{"time limit without drill", []string{"lab", "--time-limit", "5m"}},
		{"drill headless", []string{"lab", "--drill", "random", "--headless"}},
		{"drill recorded", []string{"--record", t.TempDir() + "/s.jsonl", "lab", "--drill", "random"}},
		{"negative time limit", []string{"lab", "--drill", "random", "--time-limit", "-1m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, 3, run(tt.args))
		})
	}
}
