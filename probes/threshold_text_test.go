package probes

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The one wording of thresholds: a check's summary, the README's table and
// the drill-down all say a bound the same way.
func TestThresholdWording(t *testing.T) {
	cpu := Above(80, 95)
	cpu.For = Duration(time.Minute)
	expiry := BelowT(30, 7)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"breach crit", cpu.Breach(Crit, "%"), "crit > 95%"},
		{"breach warn below", expiry.Breach(Warn, "days"), "warn < 30 days"},
		{"ok breaks nothing", cpu.Breach(OK, "%"), ""},
		{"unknown breaks nothing", cpu.Breach(Unknown, "%"), ""},
		{"unset bound", Threshold{Warn: V(500)}.Breach(Crit, ""), ""},
		{"text", cpu.Text("%"), "warn > 80%, crit > 95% for 1m0s"},
		{"text below", expiry.Text("days"), "warn < 30 days, crit < 7 days"},
		{"text of nothing", Threshold{}.Text("s"), ""},
		{"readme bound", expiry.Bound(Crit), "< 7"},
		{"readme unset", Threshold{Warn: V(1)}.Bound(Crit), "—"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, tt.got) })
	}
}
