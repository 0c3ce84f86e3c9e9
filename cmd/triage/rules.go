package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/probes/export"
	"github.com/fivelayer/triage/probes/kinds"
)

func newRulesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Prometheus alerting rules for the estate",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "export",
		Short: "Print the estate's thresholds as Prometheus alerting rules over the series of `triage serve`",
		Long: `Print a Prometheus rule file for the estate: alerts on triage_grade
(severity red, orange, yellow, blue), on each triage_root_cause, on stale
data, and one per configured threshold bound (thresholds: and a probe's own
thresholds) on triage_check_value, with its for:. alerting.rules in the
config sets a rule's severity, summary, description, runbook or for:.

Load it into the Prometheus that scrapes every triage instance; check it
with 'promtool check rules FILE'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.LoadAuto(g.config, kinds.Registry)
			if err != nil {
				return &exitError{3, err}
			}
			if err := export.WriteRules(os.Stdout, export.Rules(cfg.RuleSource(kinds.Registry)), cfg.Source); err != nil {
				return &exitError{3, err}
			}
			return nil
		},
	})
	return cmd
}
