package remedy

import (
	"context"
	"fmt"
	"strings"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
)

// ComponentReprobe returns a Reprobe that builds the component's configured
// probes and runs one round of them: what `triage act` uses to verify, where
// no scheduler is running. The status is the worst of the component's
// checks; the summary names the checks that are not ok.
func ComponentReprobe(cfg *config.Config) func(ctx context.Context, component string) (probes.Status, string) {
	return func(ctx context.Context, component string) (probes.Status, string) {
		comp, ok := cfg.Component(component)
		if !ok {
			return probes.Unknown, "no component " + component
		}
		one := *cfg
		one.Components = []config.Component{*comp}
		targets, errs := config.Targets(&one)
		if len(targets) == 0 {
			if len(errs) > 0 {
				return probes.Unknown, errs[0].Error()
			}
			return probes.Unknown, "no probes configured"
		}
		s := probes.NewScheduler(targets, probes.Options{})
		defer s.Close()
		return Summarize(s.Round(ctx).Results())
	}
}

// Summarize grades results: the worst status and a line naming what is not ok.
func Summarize(rs []probes.Result) (probes.Status, string) {
	if len(rs) == 0 {
		return probes.Unknown, "no results"
	}
	worst := probes.OK
	var bad []string
	for _, r := range rs {
		worst = probes.Worst(worst, r.Status)
		if r.Status != probes.OK {
			bad = append(bad, fmt.Sprintf("%s %s: %s", r.Check, r.Status, r.Summary))
		}
	}
	if len(bad) == 0 {
		return worst, fmt.Sprintf("all %d checks ok", len(rs))
	}
	return worst, strings.Join(bad, "; ")
}
