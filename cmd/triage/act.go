package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// actFlags are the flags of `triage act ACTION`.
type actFlags struct {
	component, confirm, confirmFailover, reason, format string
	thread                                              int64
	queryOnly, failover, dryRun                         bool
}

func newActCmd(g *globals) *cobra.Command {
	var words []string
	for _, name := range catalog.Commands() {
		s, _ := catalog.ByCommand(name, "")
		words = append(words, s.Confirm.String()+" for "+name)
	}
	cmd := &cobra.Command{
		Use:   "act",
		Short: "Guarded actions without the screen: " + strings.Join(catalog.Commands(), ", "),
		Long: `Run one guarded action, exactly as the screen would: the plan is shown,
preconditions are re-checked just before acting, the confirmation is bound to
what was previewed, the intent and the outcome are appended to the audit log,
and the result is verified by probing again.

--confirm is required (there is no prompt): ` + strings.Join(words, ", ") + `.

Exit codes: 0 done and verified (or a dry run); 1 refused by the guard
(read-only, not enabled, wrong confirmation, a precondition false, cooldown);
2 attempted and failed, or done but not verified; 3 could not run (bad config).`,
	}
	for _, name := range catalog.Commands() {
		cmd.AddCommand(newActionCmd(g, name))
	}
	return cmd
}

// newActionCmd is `triage act NAME` for the catalog's actions run by that
// subcommand: the plain one, and each variant selected by its flag
// (--query-only, --failover) with its second confirmation when it has one.
func newActionCmd(g *globals, name string) *cobra.Command {
	plain, _ := catalog.ByCommand(name, "")
	var variants []catalog.Spec
	for _, s := range catalog.All() {
		if s.Command == name && s.Flag != "" {
			variants = append(variants, s)
		}
	}
	f := &actFlags{}
	chosen := map[string]*bool{}
	short := plain.Label
	for _, v := range variants {
		short += "; --" + v.Flag + ": " + v.Label
	}
	cmd := &cobra.Command{
		Use:   name,
		Short: strings.ToUpper(short[:1]) + short[1:],
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec := plain
			for _, v := range variants {
				if *chosen[v.Flag] {
					spec = v
				}
			}
			return runAct(cmd, g, f, remedy.Request{Action: spec.Kind, Component: f.component, Thread: f.thread})
		},
	}
	commonActFlags(cmd, f, plain.Confirm.String())
	if plain.Confirm == catalog.Thread {
		cmd.Flags().Int64Var(&f.thread, "thread", 0, "the session (processlist id); default: the first root blocker")
	}
	for _, v := range variants {
		chosen[v.Flag] = new(bool)
		cmd.Flags().BoolVar(chosen[v.Flag], v.Flag, false, v.Label)
		if v.Second != catalog.NoWord {
			cmd.Flags().StringVar(&f.confirmFailover, "confirm-"+v.Flag, "", "with --"+v.Flag+": type "+v.Second.String()+" as well")
		}
	}
	return cmd
}

func commonActFlags(cmd *cobra.Command, f *actFlags, confirmWhat string) {
	fl := cmd.Flags()
	fl.StringVar(&f.component, "component", "", "the component to act on (required)")
	fl.StringVar(&f.confirm, "confirm", "", "type "+confirmWhat+" to confirm (required unless --dry-run)")
	fl.StringVar(&f.reason, "reason", "", "why, recorded in the audit log")
	fl.BoolVar(&f.dryRun, "dry-run", false, "show and record the plan; run nothing")
	fl.StringVar(&f.format, "format", "text", "text, or json (the audit record of the outcome)")
	_ = cmd.MarkFlagRequired("component")
}

// runAct previews, executes and reports one action.
func runAct(cmd *cobra.Command, g *globals, f *actFlags, req remedy.Request) error {
	if f.format != "text" && f.format != "json" {
		return &exitError{3, fmt.Errorf("--format %q: want text or json", f.format)}
	}
	cfg, err := config.LoadAuto(g.config, kinds.Registry)
	if err != nil {
		return &exitError{3, err}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(os.Stderr, "triage: warning:", w)
	}
	// A hang-up or ^C cancels the running step; the outcome is still recorded.
	ctx, stop := signal.NotifyContext(cmdContext(cmd), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	// No scheduler runs here: the guard verifies with one round of the
	// component's configured probes.
	guard := remedy.NewGuard(cfg, remedy.Options{ReadOnly: g.readOnly, AuditPath: g.auditLog, Reprobe: kinds.Reprobe(cfg)})
	req.Reason, req.DryRun = f.reason, f.dryRun
	plan, err := guard.Preview(ctx, req)
	if err != nil {
		return &exitError{3, err}
	}
	out := os.Stdout
	if f.format == "text" {
		printPlan(out, plan)
	}
	res, err := guard.Execute(ctx, plan, f.confirm, f.confirmFailover)
	if f.format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		switch {
		case res.Record != nil:
			_ = enc.Encode(res.Record)
		case res.Draft != nil:
			// What the guard failed to write: printed, flagged as unrecorded.
			_ = enc.Encode(struct {
				*remedy.Record
				Recorded bool `json:"recorded"`
			}{res.Draft, false})
		}
	} else {
		printOutcome(out, res, guard.AuditPath())
	}
	if code := res.ExitCode(); code != 0 {
		if err == nil {
			err = errors.New("done but not verified: " + res.Verification)
		}
		return &exitError{code, err}
	}
	return nil
}

func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func printPlan(w io.Writer, p remedy.Plan) {
	fmt.Fprintln(w, clean(p.Label))
	fmt.Fprintf(w, "  target:  %s\n", clean(p.Target))
	for i, c := range p.Commands {
		head := "  runs:    "
		if i > 0 {
			head = "           "
		}
		fmt.Fprintf(w, "%s%s\n", head, clean(c))
	}
	if p.Before != "" {
		fmt.Fprintf(w, "  now:     %s\n", clean(p.Before))
	}
	if len(p.Preconditions) > 0 {
		fmt.Fprintln(w, "  preconditions:")
		for _, c := range p.Preconditions {
			mark := "ok  "
			if !c.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(w, "    %s %-30s want %s; got %s\n", mark, c.Name, clean(c.Want), clean(c.Got))
		}
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "  WARNING: %s\n", clean(warn))
	}
	if p.ConfirmWord != "" {
		fmt.Fprintf(w, "  confirm: --confirm %s", clean(p.ConfirmWord))
		if p.SecondConfirm != "" {
			fmt.Fprintf(w, " --confirm-failover %s", clean(p.SecondConfirm))
		}
		fmt.Fprintln(w)
	}
	if p.Refusal != nil {
		fmt.Fprintf(w, "  cannot run: %s\n", clean(p.Refusal.Error()))
	}
}

func printOutcome(w io.Writer, o remedy.Outcome, auditPath string) {
	fmt.Fprintf(w, "result: %s in %s\n", o.Headline(), o.Duration.Round(time.Millisecond))
	for _, s := range o.Steps {
		mark := "ok  "
		if !s.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %s", mark, clean(s.Name))
		if s.State != "" {
			fmt.Fprintf(w, ": %s", clean(s.State))
		}
		if s.Error != "" {
			fmt.Fprintf(w, " (%s)", clean(s.Error))
		}
		fmt.Fprintln(w)
	}
	if o.Err != nil {
		fmt.Fprintf(w, "  error: %s\n", clean(o.Err.Error()))
	}
	if o.Verification != "" {
		fmt.Fprintf(w, "  verification: %s\n", clean(o.Verification))
	}
	if o.Output != "" {
		fmt.Fprintf(w, "  output:\n    %s\n", strings.ReplaceAll(clean(strings.TrimSpace(o.Output)), "\n", "\n    "))
	}
	if o.Next != "" {
		fmt.Fprintf(w, "  next: %s\n", clean(o.Next))
	}
	fmt.Fprintf(w, "  audit: %s\n", auditPath)
}

// clean makes text from the estate (SQL, hostnames, command output) safe
// for the terminal: escape sequences go whole, controls and bidirectional
// overrides go, newlines and tabs stay.
func clean(s string) string { return safety.SanitizeText(s) }

func newAuditCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "audit",
		Short: "Print the audit log of actions as a table (--audit-log FILE, default $XDG_STATE_HOME/triage/audit.jsonl)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			path := g.auditLog
			if path == "" {
				path = remedy.DefaultAuditPath()
			} else if _, err := os.Lstat(path); err != nil {
				// A named log that is not there is a typo or a lost log,
				// never an empty history.
				return &exitError{3, fmt.Errorf("audit log %s: %w", path, err)}
			}
			recs, skipped, err := remedy.ReadAudit(path)
			if err != nil {
				return &exitError{3, err}
			}
			printAudit(os.Stdout, recs)
			if skipped > 0 {
				fmt.Fprintf(os.Stderr, "triage: %d lines of %s are not audit records\n", skipped, path)
			}
			return nil
		},
	}
}

func printAudit(w io.Writer, recs []remedy.Record) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tPHASE\tOPERATOR\tORIGIN\tHOST\tACTION\tCOMPONENT\tTARGET\tRESULT\tDURATION\tREASON")
	for _, r := range recs {
		result := r.Result
		if r.Verified != nil && *r.Verified {
			result += " (verified)"
		}
		if r.DryRun && result == "" {
			result = "dry-run"
		}
		dur := ""
		if r.Phase == remedy.PhaseOutcome {
			dur = (time.Duration(r.DurationMS) * time.Millisecond).String()
		}
		origin := r.Origin
		if f := strings.Fields(origin); len(f) > 0 {
			origin = f[0] // SSH_CLIENT is "ip port port"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.Time.Local().Format("2006-01-02 15:04:05"), r.Phase, orDash(clean(r.Operator)), orDash(clean(origin)), orDash(clean(r.Host)),
			clean(string(r.Action)), clean(r.Component), clean(r.Target), orDash(result), orDash(dur), clean(r.Reason))
	}
	_ = tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
