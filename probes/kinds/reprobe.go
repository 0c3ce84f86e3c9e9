package kinds

import (
	"context"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
)

// ReprobeWindow is how far apart Reprobe samples rates.
const ReprobeWindow = time.Second

// Reprobe returns what the guard verifies an action with where no scheduler
// is running (`triage act`): it builds the component's configured probes and
// runs one round of them. Rate checks (error rate, CPU, rejected
// connections) take their second sample ReprobeWindow into the round, as
// `triage check` does, so a fresh probe is not "unknown: first sample" and a
// restart can be verified. The status is the worst of the component's
// checks; the summary names the checks that are not ok (probes.Summarize).
func Reprobe(cfg *config.Config) func(ctx context.Context, component string) (probes.Status, string) {
	return func(ctx context.Context, component string) (probes.Status, string) {
		comp, ok := cfg.Component(component)
		if !ok {
			return probes.Unknown, "no component " + component
		}
		one := *cfg
		one.Components = []config.Component{*comp}
		targets, errs := Targets(&one)
		if len(targets) == 0 {
			if len(errs) > 0 {
				return probes.Unknown, errs[0].Error()
			}
			return probes.Unknown, "no probes configured"
		}
		s := probes.NewScheduler(targets, probes.Options{})
		defer s.Close()
		return probes.Summarize(s.RoundResampled(ctx, ReprobeWindow).Results())
	}
}
