// Command triage is the five-layer incident console: a live terminal
// dashboard, a one-shot `triage check`, and guarded remediation.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/probes"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// globals are the flags every command takes (docs/contracts.md).
type globals struct {
	config   string
	readOnly bool
	record   string
	auditLog string
	interval string
}

// exitError carries a process exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func main() {
	// Raise the soft open-files limit to the hard one before anything opens
	// a socket: the scheduler sizes its pool from it.
	probes.RaiseFDLimit()
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := newRoot()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "triage:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "triage:", err)
	return 3
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "triage",
		Short: "The five-layer incident console: network, server, application, data, security",
		Long: `triage watches an estate (nginx, application services, MySQL/MariaDB, Redis,
TLS certificates, Linux hosts) across five layers, grades it with the four
incident grades, and offers guarded remediation.

Without a subcommand it opens the live screen. Config: --config FILE, else
./triage.yaml, else $XDG_CONFIG_HOME/triage/config.yaml, else a built-in
default that watches this host and its standard local ports.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(cmd.Context(), g)
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			// An empty --config would silently mean "search the usual
			// places": a script with an unset variable must not get
			// another estate's config.
			if f := cmd.Flags().Lookup("config"); f != nil && f.Changed && g.config == "" {
				return &exitError{3, errors.New("--config: empty path (omit the flag to use the default search)")}
			}
			return nil
		},
	}
	root.SetVersionTemplate("triage {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&g.config, "config", "", "config file (default: ./triage.yaml, then $XDG_CONFIG_HOME/triage/config.yaml, then built-in)")
	pf.BoolVar(&g.readOnly, "read-only", false, "refuse every action (war-room and training screens)")
	pf.StringVar(&g.record, "record", "", "record the session to `FILE` (JSONL) for triage replay")
	pf.StringVar(&g.auditLog, "audit-log", "", "append-only JSONL audit file for actions (default: $XDG_STATE_HOME/triage/audit.jsonl)")
	pf.StringVar(&g.interval, "interval", "", "override the config's round interval, e.g. 2s")
	root.AddCommand(newCheckCmd(g), newConfigCmd(), newActCmd(g), newAuditCmd(g), newLabCmd(g), newReplayCmd(),
		newServeCmd(g), newRulesCmd(g), newIncidentsCmd())
	return root
}
