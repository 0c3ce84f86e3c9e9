// Package grace bounds timed assertions in tests by the deadline under test.
//
// Tests on this project run on two-core machines that other work keeps busy,
// often under -race. A timed assertion therefore never names an absolute
// figure: it bounds by the deadline under test plus Period, or it asserts the
// order of events instead (docs/testing.md). The package imports nothing of
// triage, so every package's own tests can use it.
package grace

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// baseGrace is how late a goroutine that waits on a timer may be scheduled on
// a fully loaded two-core machine: a 2 s deadline was seen overrunning by a
// second.
const baseGrace = time.Second

// Period is how far past a deadline under test a test lets the code return
// before calling it late; it is scaled when built with -race.
func Period() time.Duration { return baseGrace * raceSlowdown }

// Scale stretches a deadline a test gives work that is expected to complete
// (a TLS handshake, a DNS answer, a scrape), so that a loaded machine under
// -race does not turn an answer into a timeout.
func Scale(d time.Duration) time.Duration { return d * raceSlowdown }

// Race reports whether the test binary was built with -race.
func Race() bool { return raceSlowdown > 1 }

// Within asserts that work which took took returned before deadline plus
// Period: the code under test honoured its deadline instead of hanging.
func Within(t testing.TB, took, deadline time.Duration, what string) bool {
	t.Helper()
	return assert.LessOrEqual(t, took, deadline+Period(), "%s: returned %s after a %s deadline (grace %s)",
		what, took.Round(time.Millisecond), deadline, Period())
}
