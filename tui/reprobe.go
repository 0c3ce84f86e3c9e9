package tui

import (
	"context"
	"time"

	"github.com/fivelayer/triage/probes"
)

// reprobePoll is how often SchedulerReprobe looks for the round it asked for.
const reprobePoll = 100 * time.Millisecond

// SchedulerReprobe is a remedy.Options.Reprobe for the screen: it asks the
// running scheduler for a round now and waits, at most limit (or until ctx
// ends), for a round that started after the call, then grades the
// component's results. The screen sees the same round, so the dialog's
// verification and the panes agree. Without a finished round in time it
// returns unknown and says so.
func SchedulerReprobe(s *probes.Scheduler, limit time.Duration) func(ctx context.Context, component string) (probes.Status, string) {
	return func(ctx context.Context, component string) (probes.Status, string) {
		snap := s.Snapshot()
		// A round already running began before the call: wait for the next one.
		want := snap.Round + 1
		if snap.Running {
			want++
		}
		s.Trigger()
		ctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		tick := time.NewTicker(reprobePoll)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return probes.Unknown, "no probe round finished within " + limit.String() + " (" + context.Cause(ctx).Error() + ")"
			case <-tick.C:
			}
			snap = s.Snapshot()
			if snap.Round < want {
				continue
			}
			var rs []probes.Result
			for _, r := range snap.Results() {
				if r.Component == component {
					rs = append(rs, r)
				}
			}
			return probes.Summarize(rs)
		}
	}
}
