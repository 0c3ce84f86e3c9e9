package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/lab/training"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/serve"
	"github.com/fivelayer/triage/tui"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/sshserve"
)

func newLabCmd(g *globals) *cobra.Command {
	var headless bool
	var sf sshFlags
	var df drillFlags
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Start the embedded training estate with injectable faults and open the screen on it",
		Long: `Start the training estate on 127.0.0.1 only: an invoice application with
actuator health and Micrometer metrics, an nginx-like front with a TLS port
and an error log, a DNS server and synthetic users; and, when mariadbd and
redis-server are installed, a MariaDB primary with a GTID replica and a Redis
that the application really uses (without them the lab starts all the same
and says which layer is missing and why). Then open the screen on it in LAB
mode, with the guarded actions enabled: K/Q kill the blocker, R restarts an
application instance or a database server, S/F switch over or fail over
the pair (the traffic hook moves invoice-api to the new primary).

Press f for the fault panel; a number or enter injects or clears a fault.
From another terminal: triage lab fault NAME / triage lab fault clear NAME.

--headless starts the estate without a screen and prints its addresses,
its config file (for triage check --config) and how to inject faults; it
runs until interrupted.

--record FILE records the session for triage replay.

--ssh ADDR --authorized-keys FILE serves the lab over SSH instead of this
terminal, for a class: every session sees the same estate, faults and
incident; operator keys switch the faults, viewers watch and diagnose.

--drill NAME|random|series plays scored drills instead (docs/drills.md): a
fault is injected without being named (no fault panel), you diagnose and
act through the guard, and the drill ends when the estate is green again,
when you quit or at --time-limit. The score and a Markdown debrief go to
the state directory's drills/. random picks one fault, series plays every
drillable fault once; --seed N makes the choice and the order repeatable.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if df.name != "" {
				if headless || cmd.Flags().Changed("ssh") {
					return &exitError{3, errors.New("--drill needs this terminal's screen: it cannot run --headless or --ssh")}
				}
				df.seedSet = cmd.Flags().Changed("seed")
				return runDrill(cmd.Context(), g, df)
			}
			if cmd.Flags().Changed("seed") || cmd.Flags().Changed("time-limit") {
				return &exitError{3, errors.New("--seed and --time-limit go with --drill")}
			}
			if headless {
				return runLabHeadless(cmd.Context(), cmd.OutOrStdout())
			}
			if err := sf.check(cmd.Flags()); err != nil {
				return err
			}
			if sf.addr != "" {
				if g.record != "" {
					return &exitError{3, errors.New("--record records one screen; with --ssh there is none (the shared timeline holds every session's events)")}
				}
				ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				return runLabSSH(ctx, g, &sf)
			}
			return runLab(cmd.Context(), g)
		},
	}
	sf.add(cmd.Flags())
	cmd.Flags().BoolVar(&headless, "headless", false, "run the estate without a screen; print its config path, addresses and fault commands")
	cmd.Flags().StringVar(&df.name, "drill", "", "play a scored drill: a fault name, random or series")
	cmd.Flags().Uint64Var(&df.seed, "seed", 0, "seed for --drill random|series (default: from the clock, printed)")
	cmd.Flags().DurationVar(&df.limit, "time-limit", 15*time.Minute, "each drill's time limit (0: none)")
	cmd.AddCommand(newLabFaultCmd(), newLabOpCmd("restart", "Restart a lab process (invoice-api, db-primary, db-replica): what the guard's restart action runs"),
		newLabOpCmd("traffic", "Point invoice-api at a pair member (db-primary, db-replica): the switchover's traffic hook"))
	return cmd
}

// controlFlag adds --control: the running lab's socket.
func controlFlag(cmd *cobra.Command, socket *string) {
	cmd.Flags().StringVar(socket, "control", "", "the running lab's control socket (default $TRIAGE_LAB_CONTROL, else the last lab started)")
}

// labSocket is --control, else $TRIAGE_LAB_CONTROL, else the socket the
// last lab started wrote to the state directory.
func labSocket(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if s := os.Getenv("TRIAGE_LAB_CONTROL"); s != "" {
		return s, nil
	}
	b, err := os.ReadFile(stateFile("lab-control"))
	if err != nil {
		return "", errors.New("no running lab found: start `triage lab` or `triage lab --headless`, or pass --control SOCKET")
	}
	return strings.TrimSpace(string(b)), nil
}

func newLabFaultCmd() *cobra.Command {
	var socket string
	cmd := &cobra.Command{
		Use:   "fault NAME | fault clear NAME | fault list",
		Short: "Inject or clear a fault of the running lab, or list them",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sock, err := labSocket(socket)
			if err != nil {
				return &exitError{3, err}
			}
			req := training.Request{Op: "fault", Key: args[0], On: true}
			switch {
			case args[0] == "list" && len(args) == 1:
				req = training.Request{Op: "status"}
			case args[0] == "clear" && len(args) == 2:
				req = training.Request{Op: "fault", Key: args[1]}
			case len(args) != 1:
				return &exitError{3, fmt.Errorf("want: fault NAME, fault clear NAME or fault list")}
			}
			resp, err := training.Call(sock, req, 60*time.Second)
			printFaults(cmd.OutOrStdout(), resp.Faults)
			if err != nil {
				return &exitError{2, err}
			}
			return nil
		},
	}
	controlFlag(cmd, &socket)
	return cmd
}

func newLabOpCmd(op, short string) *cobra.Command {
	var socket string
	cmd := &cobra.Command{
		Use:   op + " NAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sock, err := labSocket(socket)
			if err != nil {
				return &exitError{3, err}
			}
			if _, err := training.Call(sock, training.Request{Op: op, Name: args[0]}, 90*time.Second); err != nil {
				return &exitError{2, err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab: %s %s: done\n", op, args[0])
			return nil
		},
	}
	controlFlag(cmd, &socket)
	return cmd
}

// printFaults lists the faults, one a line: on/off, key, and why one is unavailable.
func printFaults(w io.Writer, fs []training.FaultState) {
	for _, f := range fs {
		state := "off"
		if f.Active {
			state = "ON "
		}
		line := fmt.Sprintf("  %s %-20s %s", state, f.Key, f.Name)
		if f.Unavailable != "" {
			line += " — unavailable: " + f.Unavailable
		}
		fmt.Fprintln(w, line)
	}
}

// launchLab starts the estate and records its control socket as the last
// lab started; stop closes the estate and forgets the socket if it is still
// the one recorded.
func launchLab(ctx context.Context) (est *training.Estate, stop func(), err error) {
	est, err = training.Start(ctx, kinds.Registry)
	if err != nil {
		return nil, nil, &exitError{3, err}
	}
	rec := stateFile("lab-control")
	_ = os.WriteFile(rec, []byte(est.ControlPath()+"\n"), 0o600)
	return est, func() {
		est.Close()
		if b, err := os.ReadFile(rec); err == nil && strings.TrimSpace(string(b)) == est.ControlPath() {
			_ = os.Remove(rec)
		}
	}, nil
}

// runLabHeadless runs the estate until interrupted, after printing how to use it.
func runLabHeadless(ctx context.Context, out io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	est, stopLab, err := launchLab(ctx)
	if err != nil {
		return err
	}
	defer stopLab()
	sock := est.ControlPath()
	fmt.Fprintf(out, "triage lab: running headless until interrupted (Ctrl-C)\n")
	fmt.Fprintf(out, "config:  %s\n", est.ConfigPath())
	fmt.Fprintf(out, "control: %s\n", sock)
	for _, l := range est.Status() {
		fmt.Fprintf(out, "  %s\n", l)
	}
	fmt.Fprintf(out, "check:   triage check --config %s\n", est.ConfigPath())
	fmt.Fprintf(out, "inject:  triage lab fault NAME --control %s\n", sock)
	fmt.Fprintf(out, "clear:   triage lab fault clear NAME --control %s\n", sock)
	fmt.Fprintf(out, "act:     triage act ACTION --component C --confirm NAME --config %s\n", est.ConfigPath())
	fmt.Fprintln(out, "faults:")
	printFaults(out, training.States(est.Faults()))
	<-ctx.Done()
	return nil
}

// runLab starts the estate, probes it every 2s and opens the screen.
func runLab(ctx context.Context, g *globals) error {
	if err := requireTerminal(); err != nil {
		return err
	}
	est, cfg, s, stopLab, err := startLab(ctx, g)
	if err != nil {
		return err
	}
	defer stopLab()
	defer s.Close()
	// The lab keeps its incidents in the same store under its own estate
	// name (triage-lab): a trainee sees them in `triage incidents` and as
	// "seen before", apart from any real estate's.
	inc := openIncidentStore(cfg)
	defer inc.Close()
	positions := &remedy.PositionTracker{}
	go observePositions(ctx, s.Subscribe(), positions)
	guard := remedy.NewGuard(cfg, remedy.Options{
		ReadOnly: g.readOnly, AuditPath: g.auditLog,
		Reprobe:           tui.SchedulerReprobe(s, 20*time.Second),
		LastKnownPosition: positions.Last,
	})
	recd, err := startRecording(ctx, g, cfg, s, tui.Lab)
	if err != nil {
		return err
	}
	// The probes stop after the recorder (defers run last first), so results
	// cancelled by the screen's exit never reach a recording.
	sctx, stopProbes := context.WithCancel(ctx)
	defer stopProbes()
	defer recd.stop(s)
	s.Start(sctx)
	return tui.Run(ctx, tui.Options{Config: cfg, Scheduler: s, SchedulerStarted: true, Mode: tui.Lab, Lab: labControl{est}, Guard: guard,
		OnEvent: recd.onEvent(), LogPath: stateFile("triage.log"), Tracker: inc.Tracker, Store: inc.screen()})
}

// startLab starts the training estate (launchLab) and its scheduler (not
// yet running).
func startLab(ctx context.Context, g *globals) (*training.Estate, *config.Config, *probes.Scheduler, func(), error) {
	est, stop, err := launchLab(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cfg := est.Config()
	if g.interval != "" {
		d, err := time.ParseDuration(g.interval)
		if err != nil || d <= 0 {
			stop()
			return nil, nil, nil, nil, &exitError{3, fmt.Errorf("--interval %q: want a positive duration such as 2s", g.interval)}
		}
		cfg.Interval = probes.Duration(d)
	}
	targets, errs := kinds.Targets(cfg)
	if len(errs) > 0 {
		stop()
		return nil, nil, nil, nil, &exitError{3, fmt.Errorf("lab: %w", errors.Join(errs...))}
	}
	return est, cfg, probes.NewScheduler(targets, cfg.SchedulerOptions()), stop, nil
}

// runLabSSH serves the lab over SSH until ctx ends (SIGTERM): one estate,
// one fault panel state and one incident for every session.
func runLabSSH(ctx context.Context, g *globals, sf *sshFlags) error {
	est, cfg, s, stopLab, err := startLab(ctx, g)
	if err != nil {
		return err
	}
	defer stopLab()
	defer s.Close()
	inc := openIncidentStore(cfg) // the lab's incident, as on the local lab screen
	defer inc.Close()
	storeWarning(inc)
	hub := serve.NewHub(s, serve.NewLive(cfg.Estate, inc.Tracker, nil))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); hub.Run(ctx) }()
	defer func() { cancel(); <-done }()
	// Operators practise the actions for real over SSH too (K, Q, R, S, F
	// through the one guard, audited under their key); viewers are refused
	// by the guard itself.
	positions := &remedy.PositionTracker{}
	go observePositions(ctx, s.Subscribe(), positions)
	guard := remedy.NewGuard(cfg, remedy.Options{
		ReadOnly: g.readOnly, AuditPath: g.auditLog,
		Reprobe:           tui.SchedulerReprobe(s, 20*time.Second),
		LastKnownPosition: positions.Last,
	})
	stop, errc, err := startSSH(sf, sshserve.Options{Config: cfg, Hub: hub, Tracker: inc.Tracker, Store: inc.screen(), Guard: guard, Mode: tui.Lab, Lab: labControl{est}})
	if err != nil {
		return err
	}
	s.Start(ctx)
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		if err != nil {
			runErr = &exitError{2, fmt.Errorf("ssh: %w", err)}
		}
	}
	stop()
	return runErr
}

// labControl adapts the estate to the screen's fault panel: a fault whose
// part of the lab is missing says so, and why.
type labControl struct{ e *training.Estate }

// Faults lists the estate's faults for the panel.
func (c labControl) Faults() []common.Fault {
	fs := c.e.Faults()
	out := make([]common.Fault, len(fs))
	for i, f := range fs {
		name, desc := f.Name, f.Description
		if f.Unavailable != "" {
			name += " (unavailable)"
			desc = "unavailable: " + f.Unavailable + ". " + desc
		}
		out[i] = common.Fault{Key: f.Key, Name: name, Description: desc, Layer: f.Layer, Active: f.Active}
	}
	return out
}

// Toggle injects or clears a fault.
func (c labControl) Toggle(key string) error { return c.e.Toggle(key) }
