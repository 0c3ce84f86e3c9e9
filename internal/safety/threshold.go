package safety

import (
	"strconv"
	"strings"
)

// ThresholdText is the one wording of a threshold bound, for the checks'
// summaries, the README's table and the drill-down: "crit > 10 s",
// "warn < 30 days", "warn > 80%", "crit > 50/min"; with word "" only the
// comparison, "> 80". below is a bound lower values break (expiry).
// Numbers are written exactly (0.25, 1500000), a unit after a space except
// "%" and rates ("/min"), which follow the number.
func ThresholdText(word string, below bool, v float64, unit string) string {
	op := ">"
	if below {
		op = "<"
	}
	s := op + " " + Quantity(v, unit)
	if word != "" {
		s = word + " " + s
	}
	return s
}

// Quantity writes a number with its unit as ThresholdText does: "10 s",
// "80%", "50/min", "3".
func Quantity(v float64, unit string) string {
	n := strconv.FormatFloat(v, 'f', -1, 64)
	switch unit = strings.TrimSpace(unit); {
	case unit == "", unit == "%", strings.HasPrefix(unit, "/"):
		return n + unit
	}
	return n + " " + unit
}
