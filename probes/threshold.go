package probes

import (
	"strings"
	"time"

	"github.com/fivelayer/triage/internal/safety"
)

// Threshold grades a value: beyond Warn (strictly) is warn, beyond Crit is
// crit, as the runbook writes them ("CPU > 80%", "expiry < 30 d"). Below flips the direction (lower is worse: days to expiry). A nil bound
// is not checked. For delays the status's contribution to the grade.
type Threshold struct {
	Warn  *float64 `yaml:"warn"`
	Crit  *float64 `yaml:"crit"`
	For   Duration `yaml:"for"`
	Below bool     `yaml:"-"`
}

// Above is a threshold where higher values are worse.
func Above(warn, crit float64) Threshold { return Threshold{Warn: V(warn), Crit: V(crit)} }

// BelowT is a threshold where lower values are worse.
func BelowT(warn, crit float64) Threshold {
	return Threshold{Warn: V(warn), Crit: V(crit), Below: true}
}

// Merge returns t with the bounds o sets replacing t's; the direction stays t's.
func (t Threshold) Merge(o Threshold) Threshold {
	if o.Warn != nil {
		t.Warn = o.Warn
	}
	if o.Crit != nil {
		t.Crit = o.Crit
	}
	if o.For > 0 {
		t.For = o.For
	}
	return t
}

// Grade returns the status of v under t.
func (t Threshold) Grade(v float64) Status {
	past := func(b *float64) bool {
		if b == nil {
			return false
		}
		if t.Below {
			return v < *b
		}
		return v > *b
	}
	switch {
	case past(t.Crit):
		return Crit
	case past(t.Warn):
		return Warn
	}
	return OK
}

// ForDuration is For as a time.Duration.
func (t Threshold) ForDuration() time.Duration { return t.For.D() }

// Breach names the bound a status broke, in the one wording
// (safety.ThresholdText): "crit > 10 s"; "" when st broke no bound of t.
func (t Threshold) Breach(st Status, unit string) string {
	var b *float64
	switch st {
	case Crit:
		b = t.Crit
	case Warn:
		b = t.Warn
	}
	if b == nil {
		return ""
	}
	return safety.ThresholdText(st.String(), t.Below, *b, unit)
}

// Text states the whole threshold: "warn > 80%, crit > 95% for 1m"; ""
// when it has no bound.
func (t Threshold) Text(unit string) string {
	var parts []string
	for _, st := range []Status{Warn, Crit} {
		if b := t.Breach(st, unit); b != "" {
			parts = append(parts, b)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	s := strings.Join(parts, ", ")
	if d := t.ForDuration(); d > 0 {
		s += " for " + d.String()
	}
	return s
}

// Bound is one bound as the README's table writes it, "> 80"; "—" when
// the bound is not set.
func (t Threshold) Bound(st Status) string {
	b := t.Warn
	if st == Crit {
		b = t.Crit
	}
	if b == nil {
		return "—"
	}
	return safety.ThresholdText("", t.Below, *b, "")
}
