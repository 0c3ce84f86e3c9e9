package text

import "github.com/fivelayer/triage/probes"

// Blocks are the eight heights of a sparkline, lowest first.
var Blocks = []rune("▁▂▃▄▅▆▇█")

// Spark returns the sparkline of the last n samples of history that carry a
// value, scaled between their minimum and maximum; samples without a value
// are drawn as a space. A flat line is drawn low when it is zero and in the
// middle otherwise, so "always 0" and "always 80" look different.
func Spark(history []probes.Sample, n int) []rune {
	if n <= 0 || len(history) == 0 {
		return nil
	}
	if len(history) > n {
		history = history[len(history)-n:]
	}
	lo, hi, seen := 0.0, 0.0, false
	for _, s := range history {
		if !s.HasValue {
			continue
		}
		if !seen || s.Value < lo {
			lo = s.Value
		}
		if !seen || s.Value > hi {
			hi = s.Value
		}
		seen = true
	}
	if !seen {
		return nil
	}
	out := make([]rune, len(history))
	for i, s := range history {
		switch {
		case !s.HasValue:
			out[i] = ' '
		case hi == lo && s.Value == 0:
			out[i] = Blocks[0]
		case hi == lo:
			out[i] = Blocks[3]
		default:
			out[i] = Blocks[int((s.Value-lo)/(hi-lo)*float64(len(Blocks)-1)+0.5)]
		}
	}
	return out
}

// Chart draws values as a bar chart height rows tall (eighth-block
// resolution), one column per value, and returns its rows top first.
func Chart(values []float64, height int) []string {
	if height <= 0 || len(values) == 0 {
		return nil
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo > 0 {
		lo = 0 // bars grow from zero when every value is positive
	}
	span := hi - lo
	rows := make([][]rune, height)
	for r := range rows {
		rows[r] = make([]rune, len(values))
	}
	for c, v := range values {
		eighths := 0
		if span > 0 {
			eighths = int((v-lo)/span*float64(height*8) + 0.5)
		}
		for r := 0; r < height; r++ { // r counts from the bottom
			level := eighths - r*8
			ch := ' '
			switch {
			case level >= 8:
				ch = '█'
			case level > 0:
				ch = Blocks[level-1]
			case r == 0:
				ch = '▁' // a zero still shows a baseline
			}
			rows[height-1-r][c] = ch
		}
	}
	out := make([]string, height)
	for i, r := range rows {
		out[i] = string(r)
	}
	return out
}
