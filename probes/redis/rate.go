package redis

import "time"

// fmtSpan prints a sampling window: 40ms, 2.5s, 1m0s.
func fmtSpan(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
