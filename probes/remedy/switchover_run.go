package remedy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/mysql"
	"github.com/fivelayer/triage/probes/remedy/internal/dbchange"
)

// step runs fn as one recorded step; fn returns the state read after it.
func step(ctx context.Context, out *Outcome, name, cmd string, fn func(context.Context) (string, error)) error {
	start := time.Now()
	state, err := fn(ctx)
	s := StepResult{Name: name, Command: cmd, OK: err == nil, State: state, DurationMS: time.Since(start).Milliseconds()}
	if err != nil {
		s.Error = err.Error()
	}
	out.Steps = append(out.Steps, s)
	return err
}

// execSQL runs statements in order on admin, stopping at the first failure.
func execSQL(ctx context.Context, admin *mysql.Admin, stmts []string) error {
	for _, st := range stmts {
		if _, err := admin.DB.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %s", firstClause(st), admin.Explain(err))
		}
	}
	return nil
}

// firstClause names a statement in errors without its literals (passwords).
func firstClause(st string) string {
	if i := strings.Index(st, "="); i > 0 && strings.HasPrefix(st, "CHANGE") {
		return st[:strings.LastIndex(st[:i], " ")]
	}
	return st
}

// state reads a server and describes its role in one line.
func state(ctx context.Context, admin *mysql.Admin) (mysql.ServerState, string, error) {
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	s, err := mysql.ReadServerState(rctx, admin.DB)
	if err != nil {
		return s, "", errors.New(admin.Explain(err))
	}
	line := fmt.Sprintf("read_only %s, position %s", onOff(s.ReadOnly), orDash(s.Position()))
	if len(s.Replicas) == 0 {
		line += ", not a replica"
	} else {
		r := s.Replicas[0]
		lag := behind(r)
		if r.SQLDelay > 0 {
			lag += fmt.Sprintf(", MASTER_DELAY %d s", r.SQLDelay)
		}
		line += fmt.Sprintf(", replica of %s:%d (IO %s, SQL %s, lag %s)", r.SourceHost, r.SourcePort, r.IORunning, r.SQLRunning, lag)
	}
	return s, line, nil
}

func (a *switchAction) run(ctx context.Context, p Plan, out *Outcome) error {
	if a.failover {
		return a.runFailover(ctx, out)
	}
	e := a.engine
	P, S := a.primary.Name, a.standby.Name
	undo := func(why string) error {
		// The undo runs even when ctx was cancelled (^C, a dropped SSH
		// session): leaving the primary read-only is the worse outcome.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
		defer cancel()
		_ = a.releaseLock(ctx, out, false) // P stays the primary: its writers may go on
		err := step(ctx, out, "undo: make "+P+" writable again", strings.Join(dbchange.ReadOnlyStatements(e, false), "; "),
			func(ctx context.Context) (string, error) {
				if err := execSQL(ctx, a.pa, dbchange.ReadOnlyStatements(e, false)); err != nil {
					return "", err
				}
				_, st, err := state(ctx, a.pa)
				return st, err
			})
		out.Next = fmt.Sprintf("switchover stopped: %s. %s is writable again and %s is still its replica; nothing else changed. Fix the cause, then preview again.", why, P, S)
		if err != nil {
			out.Next = fmt.Sprintf("switchover stopped: %s. UNDO FAILED: %s is still read-only (%v): run %q on it by hand; %s is still its replica.",
				why, P, err, strings.Join(dbchange.ReadOnlyStatements(e, false), "; "), S)
		}
		return errors.New(why)
	}

	if err := step(ctx, out, "set "+P+" read-only", strings.Join(dbchange.ReadOnlyStatements(e, true), "; "), func(ctx context.Context) (string, error) {
		if err := execSQL(ctx, a.pa, dbchange.ReadOnlyStatements(e, true)); err != nil {
			return "", err
		}
		_, st, err := state(ctx, a.pa)
		return st, err
	}); err != nil {
		return undo("could not set " + P + " read-only: " + err.Error())
	}
	if a.blocksWriters() {
		// Whatever happens below, the lock does not outlive the switchover.
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
			defer cancel()
			_ = a.releaseLock(ctx, out, true)
		}()
		if err := a.lockWriters(ctx, out); err != nil {
			return undo("could not keep " + P + "'s privileged writers out: " + err.Error())
		}
	}
	var target string
	if err := step(ctx, out, "read "+P+"'s position", "", func(ctx context.Context) (string, error) {
		s, _, err := state(ctx, a.pa)
		target = s.Position()
		return "TARGET " + target, err
	}); err != nil {
		return undo("could not read " + P + "'s position: " + err.Error())
	}
	wait := mysql.WaitStatement(e, target, a.g.opts.WaitTimeout)
	if err := step(ctx, out, S+" applies everything up to TARGET", wait, func(ctx context.Context) (string, error) {
		ok, err := mysql.WaitForPosition(ctx, a.sa.DB, e, target, a.g.opts.WaitTimeout)
		_, st, _ := state(ctx, a.sa)
		if err == nil && !ok {
			err = fmt.Errorf("not reached within %s", a.g.opts.WaitTimeout)
		}
		return st, err
	}); err != nil {
		return undo(S + " did not apply " + target + ": " + err.Error())
	}
	if err := step(ctx, out, P+"'s position frozen", "", func(ctx context.Context) (string, error) {
		s, st, err := state(ctx, a.pa)
		if err == nil && !mysql.SamePosition(e, s.Position(), target) {
			err = fmt.Errorf("moved from %s to %s after read_only: an account with READ_ONLY ADMIN/SUPER is still writing", target, s.Position())
		}
		return st, err
	}); err != nil {
		return undo(err.Error())
	}
	if err := a.promote(ctx, out, undo); err != nil {
		return err
	}
	if err := a.moveTraffic(ctx, out); err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
		_ = a.releaseLock(rctx, out, true)
		cancel()
		_, show, _ := a.demote(false)
		out.Next = fmt.Sprintf("%s is the primary now and writable; %s is read-only and not replicating. The traffic hook failed, so clients may still be sent to %s and fail: fix it and run %q by hand, then demote %s with: %s",
			S, P, P, displayArgv(a.cfg.TrafficArgv), P, strings.Join(show, "; "))
		return err
	}
	if err := a.releaseLock(ctx, out, true); err != nil {
		out.Next = fmt.Sprintf("%s is the primary now and receives traffic; %s is read-only. Releasing %s's global read lock reported: %v; check that no session of a privileged account is still connected to %s, then demote it.",
			S, P, P, err, P)
		return err
	}
	return a.demoteStep(ctx, out)
}

// promote detaches the standby and makes it writable. If it fails before
// RESET, replication is restarted and the old primary made writable again.
func (a *switchAction) promote(ctx context.Context, out *Outcome, undo func(string) error) error {
	stmts := dbchange.PromoteStatements(a.engine)
	done := 0
	err := step(ctx, out, "promote "+a.standby.Name, strings.Join(stmts, "; "), func(ctx context.Context) (string, error) {
		for _, st := range stmts {
			if err := execSQL(ctx, a.sa, []string{st}); err != nil {
				return "", err
			}
			done++
		}
		_, st, err := state(ctx, a.sa)
		return st, err
	})
	if err == nil {
		return nil
	}
	if done < 2 { // not yet RESET: the standby can simply resume
		start := "START SLAVE"
		if !a.engine.MariaDB && a.engine.AtLeast(8, 0, 22) {
			start = "START REPLICA"
		}
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
		defer cancel()
		_ = step(uctx, out, "undo: restart replication on "+a.standby.Name, start, func(ctx context.Context) (string, error) {
			if err := execSQL(ctx, a.sa, []string{start}); err != nil {
				return "", err
			}
			_, st, err := state(ctx, a.sa)
			return st, err
		})
		return undo("promoting " + a.standby.Name + " failed: " + err.Error())
	}
	uerr := undo("promoting " + a.standby.Name + " failed after RESET: " + err.Error())
	out.Next += fmt.Sprintf(" %s is detached from replication and read-only: re-attach it to %s (CHANGE MASTER TO … MASTER_USE_GTID=slave_pos; START SLAVE) before the next attempt.",
		a.standby.Name, a.primary.Name)
	return uerr
}

// moveTraffic runs the configured hook (docs/sql.md §7d) after promotion.
func (a *switchAction) moveTraffic(ctx context.Context, out *Outcome) error {
	if len(a.cfg.TrafficArgv) == 0 {
		return step(ctx, out, "move traffic", "", func(context.Context) (string, error) {
			return "no traffic_argv configured: point clients at " + a.standby.Name + " yourself", nil
		})
	}
	var output string
	err := step(ctx, out, "move traffic", displayArgv(a.cfg.TrafficArgv), func(ctx context.Context) (string, error) {
		hctx, cancel := context.WithTimeout(ctx, DefaultRestartTimeout)
		defer cancel()
		o, err := a.g.runCommand(hctx, a.cfg.TrafficArgv, ChildEnv(nil, false))
		output = safety.Bound(o, stepOutputHead, stepOutputTail)
		if err != nil {
			return "traffic still where it was, unless the hook moved part of it", fmt.Errorf("traffic hook: %w", err)
		}
		return "hook exited 0", nil
	})
	out.Steps[len(out.Steps)-1].Output = output
	out.Output = safety.Bound(out.Output+output, maxOutput/2, maxOutput/2)
	return err
}

// demoteStep makes the old primary a replica of the new one (docs/sql.md §7b).
func (a *switchAction) demoteStep(ctx context.Context, out *Outcome) error {
	P, S := a.primary.Name, a.standby.Name
	pst, _, err := state(ctx, a.pa)
	run, show, derr := a.demote(pst.NoBackslashEscapes)
	if err == nil {
		err = derr
	}
	serr := step(ctx, out, "demote "+P+" to a replica of "+S, strings.Join(show, "; "), func(ctx context.Context) (string, error) {
		if err != nil {
			return "", err
		}
		if err := execSQL(ctx, a.pa, run); err != nil {
			return "", err
		}
		_, st, err := state(ctx, a.pa)
		return st, err
	})
	if serr != nil {
		out.Next = fmt.Sprintf("%s is the primary and receives traffic; %s is read-only but NOT replicating: run on %s by hand: %s",
			S, P, P, strings.Join(show, "; "))
	}
	return serr
}

func (a *switchAction) runFailover(ctx context.Context, out *Outcome) error {
	S := a.standby.Name
	if a.ioPos != "" {
		wait := mysql.WaitStatement(a.engine, a.ioPos, a.g.opts.WaitTimeout)
		if err := step(ctx, out, S+" applies its relay log", wait, func(ctx context.Context) (string, error) {
			ok, err := mysql.WaitForPosition(ctx, a.sa.DB, a.engine, a.ioPos, a.g.opts.WaitTimeout)
			_, st, _ := state(ctx, a.sa)
			if err == nil && !ok {
				err = fmt.Errorf("not reached within %s", a.g.opts.WaitTimeout)
			}
			return st, err
		}); err != nil {
			out.Next = "failover stopped before any change: " + S + " did not apply what it received; look at its SQL thread, then preview again"
			return err
		}
	}
	noUndo := func(why string) error {
		out.Next = "failover stopped: " + why + ". " + S + " may be detached and read-only; check SHOW REPLICA STATUS on it"
		return errors.New(why)
	}
	if err := a.promote(ctx, out, noUndo); err != nil {
		return err
	}
	if err := a.moveTraffic(ctx, out); err != nil {
		out.Next = fmt.Sprintf("%s is the primary now and writable, but the traffic hook failed: fix it and run %q by hand. Then fence %s.",
			S, displayArgv(a.cfg.TrafficArgv), a.primary.Name)
		return err
	}
	out.Next = fmt.Sprintf("fence %s before it comes back: power it off, or set read_only=ON in its my.cnf so a restart comes up read-only. It must be rebuilt from %s (or its extra transactions reconciled by hand from its binlog).",
		a.primary.Name, S)
	return nil
}
