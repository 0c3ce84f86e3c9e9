package remedy

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/mysql"
	"github.com/fivelayer/triage/probes/remedy/internal/dbchange"
)

// readTimeout bounds each state read, so a silent server cannot hang a preview.
var readTimeout = 10 * time.Second

// switchAction is a planned switchover (docs/sql.md §7b/§7c) or, with
// failover set, an emergency failover from an unreachable primary (docs/sql.md §7e).
type switchAction struct {
	g                *Guard
	primary, standby *config.Component
	cfg              config.Switchover
	failover         bool

	pa, sa   *mysql.Admin
	engine   mysql.Engine
	password string // replication password, registered as a secret
	ioPos    string // failover: what the standby received (Gtid_IO_Pos or Retrieved_Gtid_Set)
	lock     *writerLock
}

func buildAction(g *Guard, kind ActionKind, comp *config.Component) (action, error) {
	switch kind {
	case KillSession, KillQuery:
		maxRows := comp.Actions.KillSession.MaxRowsModified
		if maxRows <= 0 {
			maxRows = mysql.DefaultMaxRowsModified
		}
		return &killAction{g: g, comp: comp, queryOnly: kind == KillQuery, maxRows: maxRows}, nil
	case Restart:
		return &restartAction{g: g, comp: comp, cfg: *comp.Actions.Restart}, nil
	case Switchover, Failover:
		cfg := *comp.Actions.Switchover
		sb, ok := g.cfg.Component(cfg.Standby)
		if !ok {
			return nil, fmt.Errorf("%w: standby %q is not a component", ErrNotEnabled, cfg.Standby)
		}
		return &switchAction{g: g, primary: comp, standby: sb, cfg: cfg, failover: kind == Failover}, nil
	}
	return nil, fmt.Errorf("unknown action %q", kind)
}

// on prefixes a command with the component it runs on.
func on(c *config.Component, cmd string) string { return c.Name + ": " + cmd }

func (a *switchAction) preview(ctx context.Context, p *Plan) error {
	p.Target = a.primary.Name + " → " + a.standby.Name
	if a.failover {
		p.Label = fmt.Sprintf("fail over to %s: promote it while %s is unreachable (transactions it did not receive are lost)", a.standby.Name, a.primary.Name)
	} else {
		p.Label = fmt.Sprintf("switch over %s → %s: %s becomes primary, %s becomes its replica (writes fail for a moment)",
			a.primary.Name, a.standby.Name, a.standby.Name, a.primary.Name)
	}
	var err error
	if a.sa, err = a.g.openAdmin(a.standby); err != nil {
		return err
	}
	if a.pa, err = a.g.openAdmin(a.primary); err != nil {
		return err
	}
	if env := a.cfg.ReplicationPasswordEnv; env != "" {
		a.password = os.Getenv(env)
		a.g.addSecret(a.password)
	}
	pre, binding, sst, _ := a.read(ctx)
	p.Preconditions, p.Binding = pre, binding
	if sst == nil {
		return nil
	}
	a.engine = sst.Engine
	if a.failover {
		a.ioPos = receivedPosition(*sst)
		p.Warnings = a.lost(ctx)
	}
	p.Commands = a.commands()
	return nil
}

func (a *switchAction) recheck(ctx context.Context, _ Plan) ([]Precondition, map[string]string, error) {
	pre, binding, _, _ := a.read(ctx)
	return pre, binding, nil
}

func receivedPosition(s mysql.ServerState) string {
	if len(s.Replicas) == 0 {
		return ""
	}
	if s.Engine.MariaDB {
		return s.Replicas[0].GtidIOPos
	}
	return s.Replicas[0].RetrievedGtidSet
}

// lost names the transactions a failover may lose: the primary's last known
// position minus what the standby received.
func (a *switchAction) lost(ctx context.Context) []string {
	var last string
	var at time.Time
	if a.g.opts.LastKnownPosition != nil {
		last, at = a.g.opts.LastKnownPosition(a.primary.Name)
	}
	if last == "" {
		return []string{fmt.Sprintf("may be lost: every transaction %s committed after %s (the standby's received position); its last position was never observed here",
			a.primary.Name, orDash(a.ioPos))}
	}
	seen := fmt.Sprintf(" (primary last seen at %s at %s)", last, at.Format(time.RFC3339))
	if a.engine.MariaDB {
		missing := mysql.MissingMariaDB(last, a.ioPos)
		if len(missing) == 0 {
			return []string{"no known transaction is lost: the standby received everything" + seen +
				"; anything committed after that is lost"}
		}
		return []string{"may be lost: " + strings.Join(missing, ", ") + seen}
	}
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	missing, err := mysql.GTIDSubtract(rctx, a.sa.DB, last, a.ioPos)
	if err != nil {
		return []string{"may be lost: cannot compute (" + a.sa.Explain(err) + ")" + seen}
	}
	if missing == "" {
		return []string{"no known transaction is lost" + seen}
	}
	return []string{"may be lost: " + missing + seen}
}

// commands lists exactly what run will execute, password masked.
func (a *switchAction) commands() []string {
	e := a.engine
	var out []string
	if a.failover {
		if a.ioPos != "" {
			out = append(out, on(a.standby, mysql.WaitStatement(e, a.ioPos, a.g.opts.WaitTimeout)+"  -- drain the relay log"))
		}
	} else {
		for _, s := range dbchange.ReadOnlyStatements(e, true) {
			out = append(out, on(a.primary, s))
		}
		if a.blocksWriters() {
			out = append(out, a.lockCommands()...)
		}
		pos := "SELECT @@gtid_binlog_pos"
		if !e.MariaDB {
			pos = "SELECT @@global.gtid_executed"
		}
		out = append(out,
			on(a.primary, pos+"  -- TARGET"),
			on(a.standby, mysql.WaitStatement(e, "TARGET", a.g.opts.WaitTimeout)+"  -- timeout: undo read_only, stop"),
			on(a.primary, pos+"  -- must still equal TARGET, else undo read_only, stop"))
	}
	for _, s := range dbchange.PromoteStatements(e) {
		out = append(out, on(a.standby, s))
	}
	if len(a.cfg.TrafficArgv) > 0 {
		out = append(out, "local: "+displayArgv(a.cfg.TrafficArgv))
	}
	if a.blocksWriters() {
		out = append(out, a.releaseCommands()...)
	}
	if !a.failover {
		if _, show, err := a.demote(false); err == nil {
			for _, s := range show {
				out = append(out, on(a.primary, s))
			}
		}
	}
	return out
}

// demote returns the statements that make the old primary a replica of the
// standby: run holds the password, show masks it.
func (a *switchAction) demote(noBackslash bool) (run, show []string, err error) {
	host, port, err := a.sa.HostPort()
	if err != nil {
		return nil, nil, err
	}
	run, show = dbchange.DemoteStatements(a.engine, dbchange.Source{Host: host, Port: port, User: a.cfg.ReplicationUser, Password: a.password}, noBackslash)
	return run, show, nil
}

// read reads both servers and grades the prechecks. sst is nil when the
// standby cannot be read.
func (a *switchAction) read(ctx context.Context) ([]Precondition, map[string]string, *mysql.ServerState, *mysql.ServerState) {
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	sst, serr := mysql.ReadServerState(rctx, a.sa.DB)
	pctx, pcancel := context.WithTimeout(ctx, readTimeout)
	defer pcancel()
	pst, perr := mysql.ReadServerState(pctx, a.pa.DB)

	sReach := Precondition{Name: "standby reachable", Want: a.standby.Name + " answers"}
	if serr != nil {
		sReach.Got = a.sa.Explain(serr)
		return []Precondition{sReach}, map[string]string{}, nil, nil
	}
	sReach.OK, sReach.Got = true, fmt.Sprintf("%s, server_id %d", sst.Engine, sst.ServerID)
	pre := []Precondition{sReach}
	binding := map[string]string{"standby_server_id": strconv.FormatInt(sst.ServerID, 10), "engine": sst.Engine.String()}
	if a.failover {
		return a.failoverChecks(pre, binding, sst, perr), binding, &sst, nil
	}
	pReach := Precondition{Name: "primary reachable", Want: a.primary.Name + " answers"}
	if perr != nil {
		pReach.Got = a.pa.Explain(perr) + " (use --failover if it is gone)"
		return append(pre, pReach), binding, &sst, nil
	}
	pReach.OK, pReach.Got = true, fmt.Sprintf("%s, server_id %d", pst.Engine, pst.ServerID)
	binding["primary_server_id"] = strconv.FormatInt(pst.ServerID, 10)
	binding["standby_source_server_id"] = strconv.FormatInt(sst.SourceServerID, 10)
	pre = append(pre, pReach)
	pre = append(pre, replicaChecks(sst, &pst)...)
	pre = append(pre, a.errantCheck(ctx, sst, pst))
	pre = append(pre, a.primaryChecks(ctx, pst)...)
	a.engine = sst.Engine
	pre = append(pre, a.privilegedCheck(ctx))
	pre = append(pre, a.accountChecks()...)
	return pre, binding, &sst, &pst
}
