package redis

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/fivelayer/triage/probes"
)

// A server whose accept queue is full never completes a connect: the
// summary says the timeout the probe was configured with, every round
// dials again (rather than repeating the last dial error at once as
// "timed out after 0s"), and a round deadline shorter than the timeout is
// named as such.
func TestSilentServerSaysTheConfiguredTimeout(t *testing.T) {
	addr := testenv.Silent(t)
	const timeout = time.Second
	p := newProbe(t, probes.Spec{Address: addr, Timeout: probes.Duration(timeout)}, "")
	for round := 1; round <= 2; round++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*timeout) // the round allows more than the probe's timeout
		start := time.Now()
		rs := p.Run(ctx)
		took := time.Since(start)
		cancel()
		grace.Within(t, took, timeout, "a connect to a silent port")
		assert.GreaterOrEqual(t, took, timeout, "round %d dialled and waited its timeout", round)
		assert.Equal(t, probes.Crit, rs[0].Status)
		assert.Contains(t, rs[0].Summary, "connecting to "+addr+" (timeout 1s)", "round %d", round)
		assert.NotContains(t, rs[0].Summary, "after 0s")
	}

	short := newProbe(t, probes.Spec{Address: addr, Timeout: probes.Duration(30 * time.Second)}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	rs := short.Run(ctx)
	grace.Within(t, time.Since(start), 300*time.Millisecond, "a round deadline shorter than the timeout")
	assert.Contains(t, rs[0].Summary, "(the round's deadline; timeout 30s)")
}
