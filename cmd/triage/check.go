package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/export"
	"github.com/fivelayer/triage/probes/kinds"
)

func newCheckCmd(g *globals) *cobra.Command {
	var format, window string
	var layers []string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run one probe round and print it; exit 0 green, 1 blue/yellow, 2 orange/red, 3 could not run",
		Long: `Run one probe round and print it as text, JSON (see docs/contracts.md) or Prometheus text.

Checks that measure a rate (CPU, IOPS, 5xx share, rejected logins, evictions)
take two samples --window apart inside the round. A one-shot check has no
history, so a threshold's for: duration is not applied here.

Exit codes: 0 green, 1 blue or yellow, 2 orange or red, 3 could not run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := time.ParseDuration(window)
			if err != nil || w < 0 || w > maxWindow {
				return &exitError{3, fmt.Errorf("--window %q: want a duration from 0 to %s, such as 1s", window, maxWindow)}
			}
			var keep []probes.Layer
			for _, name := range layers {
				l, err := probes.ParseLayer(name)
				if err != nil {
					return &exitError{3, fmt.Errorf("--layer: %w", err)}
				}
				keep = append(keep, l)
			}
			if !slices.Contains([]string{"text", "json", "prometheus"}, format) {
				return &exitError{3, fmt.Errorf("--format %q: want text, json or prometheus", format)}
			}
			cfg, targets, err := loadEstate(cmd.Context(), g)
			if err != nil {
				return err
			}
			rep := checkRound(cmd.Context(), cfg, targets, w, keep)
			switch format {
			case "json":
				err = export.JSON(os.Stdout, rep)
			case "prometheus":
				err = export.Prometheus(os.Stdout, rep)
			default:
				err = export.Text(os.Stdout, rep)
			}
			if err != nil {
				return &exitError{3, err}
			}
			if code := rep.Severity.ExitCode(); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "text", "text, json or prometheus")
	f.StringSliceVar(&layers, "layer", nil, "only these layers (network, server, application, data, security); repeatable")
	f.StringVar(&window, "window", "1s", "time between the two samples of rate checks")
	return cmd
}

// loadEstate loads the config (with the --interval override) and builds its
// probes. A config that does not load is exit 3; a probe that cannot be built
// is reported and the rest still run.
func loadEstate(_ context.Context, g *globals) (*config.Config, []probes.Target, error) {
	cfg, err := config.LoadAuto(g.config, kinds.Registry)
	if err != nil {
		return nil, nil, &exitError{3, err}
	}
	if g.interval != "" {
		d, err := time.ParseDuration(g.interval)
		if err != nil || d <= 0 {
			return nil, nil, &exitError{3, fmt.Errorf("--interval %q: want a positive duration such as 2s", g.interval)}
		}
		cfg.Interval = probes.Duration(d)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(os.Stderr, "triage: warning: %s:%s\n", cfg.Source, w)
	}
	targets, errs := kinds.Targets(cfg)
	for _, e := range errs {
		fmt.Fprintln(os.Stderr, "triage:", e)
	}
	if len(errs) > 0 && len(targets) == 0 {
		return nil, nil, &exitError{3, fmt.Errorf("no probe could be built (%d errors)", len(errs))}
	}
	return cfg, targets, nil
}

// maxWindow bounds --window: a one-shot check that waits longer is a
// typo (1h for 1s), and would hold the caller (a cron job, CI) for it.
const maxWindow = time.Minute

// checkRound runs one round. Probes with a rate check sample a second time
// window after their first while the others run, so rates are measured, not
// guessed, and the round lasts about max(timeout, window + two rate samples)
// rather than two rounds and a window.
func checkRound(ctx context.Context, cfg *config.Config, targets []probes.Target, window time.Duration, keep []probes.Layer) export.Report {
	if len(keep) > 0 { // probe only what can yield a check in the asked layers
		targets = slices.DeleteFunc(slices.Clone(targets), func(t probes.Target) bool {
			return !slices.ContainsFunc(t.Probe.Checks(), func(c probes.Check) bool { return slices.Contains(keep, c.Layer) })
		})
	}
	s := probes.NewScheduler(targets, cfg.SchedulerOptions())
	defer s.Close()
	snap := s.RoundResampled(ctx, window)
	results := snap.Results()
	if len(keep) > 0 {
		results = slices.DeleteFunc(results, func(r probes.Result) bool { return !slices.Contains(keep, r.Layer) })
	}
	return export.Build(cfg.Estate, time.Now(), results, cfg.Topology())
}
