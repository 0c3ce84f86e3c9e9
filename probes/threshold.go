package probes

import "time"

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
