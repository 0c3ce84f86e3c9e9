//go:build race

package grace

// raceSlowdown is how many times slower code runs under the race detector.
const raceSlowdown = 3
