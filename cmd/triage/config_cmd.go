package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/kinds"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Validate a config or print a commented example"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Validate a config; errors name line and column; exit 3 when invalid",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0], kinds.Registry)
			if err != nil {
				return &exitError{3, err}
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintf(os.Stderr, "%s:%s\n", args[0], w)
			}
			for _, w := range cfg.Lint {
				fmt.Fprintf(os.Stderr, "%s:%s (warning)\n", args[0], w)
			}
			// Building each probe catches what only its kind knows (a
			// misspelt metric rename, say). Building opens no connection.
			targets, errs := kinds.Targets(cfg)
			closeTargets(targets)
			if len(errs) > 0 {
				lines := make([]string, len(errs))
				for i, err := range errs {
					lines[i] = args[0] + ": " + err.Error()
					var te *kinds.TargetError
					if errors.As(err, &te) && te.Line > 0 {
						lines[i] = fmt.Sprintf("%s:%d:%d: %s", args[0], te.Line, te.Col, te.Error())
					}
				}
				return &exitError{3, errors.New(strings.Join(lines, "\n"))}
			}
			n := 0
			for _, c := range cfg.Components {
				n += len(c.Probes)
			}
			fmt.Printf("%s: ok (estate %q, %d components, %d probes)\n", args[0], cfg.Estate, len(cfg.Components), n)
			return nil
		},
	}, &cobra.Command{
		Use:   "example",
		Short: "Print a fully commented example config (it validates)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Print(config.Example())
			return err
		},
	})
	return cmd
}

// closeTargets releases probes that hold resources.
func closeTargets(ts []probes.Target) {
	for _, t := range ts {
		if c, ok := t.Probe.(probes.Closer); ok {
			_ = c.Close()
		}
	}
}
