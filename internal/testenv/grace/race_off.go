//go:build !race

package grace

// raceSlowdown is 1 without the race detector.
const raceSlowdown = 1
