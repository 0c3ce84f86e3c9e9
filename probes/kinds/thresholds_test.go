package kinds

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A kind's default thresholds name its own checks (or, for host kinds, a
// second bound of one: time_wait of sockets): a renamed check cannot leave
// its default (and the README's row, the drill-down's line) behind.
func TestDefaultThresholdsNameChecks(t *testing.T) {
	for _, name := range Names() {
		k, _ := Lookup(name)
		checks := map[string]bool{}
		for _, c := range k.Checks {
			checks[c.Name] = true
		}
		for check := range k.Thresholds {
			assert.True(t, checks[check] || check == "time_wait" && checks["sockets"],
				"%s: default threshold for %q, which is not one of its checks", name, check)
		}
	}
}
