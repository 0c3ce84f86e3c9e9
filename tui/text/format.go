package text

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Number formats v short: at most four significant characters before a
// k/M/G suffix ("0.25", "14.2", "1234", "12.4k").
func Number(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case a == math.Trunc(a) && a < 10000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a < 10:
		return trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
	case a < 100:
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	case a < 10000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	for _, u := range []struct {
		div float64
		sfx string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if a >= u.div {
			return trimZeros(strconv.FormatFloat(v/u.div, 'f', 1, 64)) + u.sfx
		}
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Value formats a check's key value with its unit ("14.2 s", "85%"), or ""
// when the check has no value.
func Value(v *float64, unit string) string {
	if v == nil {
		return ""
	}
	n := Number(*v)
	switch unit {
	case "":
		return n
	case "%":
		return n + "%"
	}
	return n + " " + Sanitize(unit)
}

// Age formats how old something is, coarsely: "4s", "3m", "2h", "5d".
func Age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// Clock formats a duration as hh:mm:ss (the SLA countdown); negative values
// are formatted by their magnitude.
func Clock(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}
