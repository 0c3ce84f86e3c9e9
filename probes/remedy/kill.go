package remedy

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/mysql"
	"github.com/fivelayer/triage/probes/remedy/internal/dbchange"
)

// killAction kills a blocking session (KILL CONNECTION) or only its running
// statement (KILL QUERY), docs/sql.md §6.
type killAction struct {
	g         *Guard
	comp      *config.Component
	queryOnly bool
	maxRows   int64

	admin  *mysql.Admin
	engine mysql.Engine
	ident  mysql.ThreadIdentity // as previewed: the identity the kill is bound to
	info   string               // the statement running at the preview (KILL QUERY)
	former []int64              // sessions waiting for it at the preview
}

// mysqlSpec is the component's first mysql probe: the server actions act on.
func mysqlSpec(comp *config.Component) (probes.Spec, bool) {
	for _, s := range comp.Probes {
		if s.Kind == "mysql" {
			return s, true
		}
	}
	return probes.Spec{}, false
}

// openAdmin opens a remediation pool on comp's mysql probe DSN and registers
// the DSN and its password as secrets for the audit.
func (g *Guard) openAdmin(comp *config.Component) (*mysql.Admin, error) {
	spec, ok := mysqlSpec(comp)
	if !ok {
		return nil, fmt.Errorf("%w: component %q has no mysql probe to act through", ErrNotEnabled, comp.Name)
	}
	if dsn, err := spec.DSNValue(); err == nil {
		g.addSecret(dsn)
	}
	a, err := mysql.OpenAdmin(spec)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPrecondition, err)
	}
	g.addSecret(a.Secret())
	return a, nil
}

func (a *killAction) verb() string {
	if a.queryOnly {
		return "kill query"
	}
	return "kill connection"
}

func (a *killAction) preview(ctx context.Context, p *Plan) error {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	p.Label = a.verb() + " on " + a.comp.Name
	admin, err := a.g.openAdmin(a.comp)
	if err != nil {
		return err
	}
	a.admin = admin
	if a.engine, err = mysql.DetectEngine(ctx, admin.DB); err != nil {
		return fmt.Errorf("%w: %s unreachable: %s", ErrPrecondition, a.comp.Name, admin.Explain(err))
	}
	waits, err := mysql.CurrentLockWaits(ctx, admin.DB, a.engine)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrPrecondition, admin.Explain(err))
	}
	if p.Thread == 0 {
		roots, _ := mysql.BuildChain(waits)
		if len(roots) == 0 {
			return fmt.Errorf("%w: no session blocks another on %s; give --thread to kill a specific one", ErrNoTarget, a.comp.Name)
		}
		p.Thread = roots[0]
	}
	a.former = mysql.WaitersOf(waits, p.Thread)
	p.Commands = []string{dbchange.KillStatement(p.Thread, a.queryOnly)}
	pre, binding, id, err := a.read(ctx, p.Thread)
	p.Preconditions, p.Binding = pre, binding
	a.ident = identityFrom(p.Thread, binding)
	n := id.RowsModified
	p.Target = fmt.Sprintf("%s: thread %d (%s@%s, trx %s)", a.comp.Name, p.Thread, binding["user"], binding["host"], binding["trx_id"])
	if a.queryOnly {
		p.Label = fmt.Sprintf("kill query %d (ends the statement, keeps the transaction and its locks)", p.Thread)
	} else {
		p.Label = fmt.Sprintf("kill connection %d (rolls back %s rows)", p.Thread, thousands(n))
	}
	p.Before = "blocks " + sessionList(a.former)
	return err
}

// recheck reads the session again (docs/sql.md §6 step 2) and grades it.
func (a *killAction) recheck(ctx context.Context, p Plan) ([]Precondition, map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	pre, binding, _, err := a.read(ctx, p.Thread)
	return pre, binding, err
}

// read looks the session up and grades it. The binding is the identity of
// docs/sql.md §6 step 1: thread, trx_id, trx_started (and user and host, shown); the
// rows modified are graded, not bound, since they grow while it runs.
func (a *killAction) read(ctx context.Context, thread int64) ([]Precondition, map[string]string, mysql.ThreadIdentity, error) {
	id, err := mysql.LookupThread(ctx, a.admin.DB, thread)
	session := Precondition{Name: "session", Want: fmt.Sprintf("thread %d connected", thread)}
	switch {
	case errors.Is(err, mysql.ErrNoThread):
		session.Got = "gone"
		return []Precondition{session}, map[string]string{"thread": strconv.FormatInt(thread, 10)}, id, nil
	case err != nil:
		return nil, nil, id, errors.New(a.admin.Explain(err))
	}
	session.OK, session.Got = true, fmt.Sprintf("%s@%s, %s", id.User, id.Host, id.Command)
	trx := Precondition{Name: "transaction", Want: "an open InnoDB transaction (its id binds the confirmation)"}
	if id.TrxID != "" {
		trx.OK, trx.Got = true, fmt.Sprintf("trx %s started %s", id.TrxID, id.TrxStarted)
	} else {
		trx.Got = "none"
	}
	state := Precondition{Name: "transaction state", Want: "not ROLLING BACK", Got: orDash(id.TrxState), OK: id.TrxState != "ROLLING BACK"}
	cost := Precondition{Name: "rollback cost", Want: fmt.Sprintf("≤ %s rows modified", thousands(a.maxRows)),
		Got: thousands(id.RowsModified) + " rows", OK: id.RowsModified <= a.maxRows}
	if a.queryOnly {
		cost = Precondition{Name: "rollback cost", Want: "none: the transaction stays",
			Got: thousands(id.RowsModified) + " rows modified stay locked", OK: true}
	}
	binding := map[string]string{
		"thread": strconv.FormatInt(id.ThreadID, 10), "trx_id": id.TrxID, "trx_started": id.TrxStarted,
		"user": id.User, "host": id.Host,
	}
	return []Precondition{session, trx, state, cost}, binding, id, nil
}

func identityFrom(thread int64, b map[string]string) mysql.ThreadIdentity {
	return mysql.ThreadIdentity{ThreadID: thread, TrxID: b["trx_id"], TrxStarted: b["trx_started"], User: b["user"], Host: b["host"]}
}

// trxSnapshotIdle is how long INNODB_TRX must go unread before MariaDB
// refreshes it: the server serves a cached snapshot to any read within
// 100 ms of the previous one (trx_i_s_cache). run waits this long after the
// re-check so the identity read on the killing connection is a new
// snapshot, not the re-check's.
const trxSnapshotIdle = 110 * time.Millisecond

// run checks the identity again on the connection that kills (docs/sql.md §6: all on
// one connection) and kills.
func (a *killAction) run(ctx context.Context, p Plan, out *Outcome) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(trxSnapshotIdle):
	}
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	start := time.Now()
	step := StepResult{Name: a.verb(), Command: p.Commands[0]}
	conn, err := a.admin.DB.Conn(ctx)
	if err != nil {
		step.Error = a.admin.Explain(err)
		out.Steps = append(out.Steps, step)
		return errors.New(step.Error)
	}
	defer conn.Close()
	got, err := dbchange.KillThread(ctx, conn, a.ident, a.queryOnly)
	step.DurationMS = time.Since(start).Milliseconds()
	switch {
	case errors.Is(err, mysql.ErrIdentityChanged), errors.Is(err, mysql.ErrNoThread):
		step.Error = err.Error()
		step.State = fmt.Sprintf("thread %d now: trx %q started %q", p.Thread, got.TrxID, got.TrxStarted)
		out.Steps = append(out.Steps, step)
		out.Next = "nothing was killed; preview again to see the current blocker"
		return fmt.Errorf("%w: %v", ErrStale, err)
	case err != nil:
		step.Error = a.admin.Explain(err)
		out.Steps = append(out.Steps, step)
		out.Next = "the kill failed; check the privilege (MariaDB CONNECTION ADMIN, MySQL CONNECTION_ADMIN) and the thread"
		return errors.New(step.Error)
	}
	step.OK, step.State = true, "identity re-checked on the killing connection: "+got.TrxID
	out.Steps = append(out.Steps, step)
	return nil
}

// verify polls until the session is gone with its transaction and nobody
// waits for it (KILL CONNECTION), or its statement ended (KILL QUERY).
func (a *killAction) verify(ctx context.Context, p Plan, out *Outcome) {
	limit := a.g.opts.VerifyTimeout
	if limit <= 0 {
		limit = 10 * time.Second
	}
	deadline := time.Now().Add(limit)
	var st mysql.KillState
	var err error
	for {
		rctx, cancel := context.WithTimeout(ctx, readTimeout)
		st, err = mysql.ReadKillState(rctx, a.admin.DB, a.engine, p.Thread, a.former)
		cancel()
		if err == nil && a.done(st) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
	if err != nil {
		out.Verification = "could not verify: " + a.admin.Explain(err)
		return
	}
	out.Verified = a.done(st)
	out.Verification = a.describe(p.Thread, st)
}

func (a *killAction) done(st mysql.KillState) bool {
	if a.queryOnly {
		return !st.Present || st.Info == "" || st.Command == "Sleep"
	}
	return !st.Present && !st.HasTrx && len(st.Waiters) == 0
}

func (a *killAction) describe(thread int64, st mysql.KillState) string {
	var parts []string
	switch {
	case a.queryOnly && st.Present:
		parts = append(parts, fmt.Sprintf("thread %d still connected (%s), its transaction and locks kept", thread, st.Command))
	case st.Present:
		parts = append(parts, fmt.Sprintf("thread %d still present (%s, trx %s)", thread, st.Command, orDash(st.TrxState)))
	case st.HasTrx:
		parts = append(parts, fmt.Sprintf("thread %d gone, its transaction still rolling back", thread))
	default:
		parts = append(parts, fmt.Sprintf("thread %d gone, its transaction rolled back", thread))
	}
	if len(st.Waiters) > 0 {
		parts = append(parts, "still blocks "+sessionList(st.Waiters))
	}
	if len(a.former) > 0 {
		var freed, elsewhere []int64
		for _, w := range a.former {
			switch {
			case !contains(st.StillWaiting, w):
				freed = append(freed, w)
			case !contains(st.Waiters, w):
				elsewhere = append(elsewhere, w)
			}
		}
		parts = append(parts, fmt.Sprintf("former waiters: %d of %d no longer waiting", len(freed), len(a.former)))
		if len(elsewhere) > 0 {
			parts = append(parts, sessionList(elsewhere)+" now waiting for another session")
		}
	}
	return strings.Join(parts, "; ")
}

func (a *killAction) close() {
	if a.admin != nil {
		_ = a.admin.Close()
	}
}

func sessionList(ids []int64) string {
	if len(ids) == 0 {
		return "no session"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	noun := "sessions"
	if len(ids) == 1 {
		noun = "session"
	}
	return fmt.Sprintf("%d %s (%s)", len(ids), noun, strings.Join(s, ", "))
}

func contains(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// thousands formats n with commas: 12408 → "12,408".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
