package network

import (
	"math"
	"time"
)

// millis converts d to milliseconds rounded to 0.01 ms, for values and evidence.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*100) / 100
}
