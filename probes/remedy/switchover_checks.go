package remedy

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/fivelayer/triage/probes/mysql"
)

// replicaChecks are the candidate prechecks of docs/sql.md §7b/§7c: one
// channel from the primary, both threads running, no errors, no lag, GTID
// positioning, and a binary log so the old primary can replicate from it.
func replicaChecks(sst mysql.ServerState, pst *mysql.ServerState) []Precondition {
	ch := Precondition{Name: "standby replicates from primary", Want: "one replication channel"}
	if pst != nil {
		ch.Want = fmt.Sprintf("one replication channel from server_id %d", pst.ServerID)
	}
	if len(sst.Replicas) != 1 {
		ch.Got = fmt.Sprintf("%d channels", len(sst.Replicas))
		return []Precondition{ch}
	}
	r := sst.Replicas[0]
	ch.Got = fmt.Sprintf("source %s:%d, server_id %d", r.SourceHost, r.SourcePort, sst.SourceServerID)
	ch.OK = pst == nil || sst.SourceServerID == pst.ServerID
	if r.Channel != "" {
		ch.OK, ch.Got = false, ch.Got+fmt.Sprintf(" on named connection %q (only the default connection is supported)", r.Channel)
	}
	threads := Precondition{Name: "replica threads", Want: "IO Yes, SQL Yes",
		Got: fmt.Sprintf("IO %s, SQL %s", orDash(r.IORunning), orDash(r.SQLRunning)), OK: r.Running()}
	errs := Precondition{Name: "replication errors", Want: "none", Got: "none", OK: r.LastIOErrno == 0 && r.LastSQLErrno == 0}
	if !errs.OK {
		errs.Got = fmt.Sprintf("IO %d %s; SQL %d %s", r.LastIOErrno, r.LastIOError, r.LastSQLErrno, r.LastSQLError)
	}
	// Seconds_Behind as the server reports it: a delayed replica is behind
	// on purpose, and still behind; promoting it loses what it holds back.
	lag := Precondition{Name: "replication lag", Want: "0 s", Got: "unknown (NULL)"}
	if b := r.SecondsBehind; b != nil {
		lag.Got, lag.OK = fmt.Sprintf("%d s", *b), *b == 0
	}
	delay := Precondition{Name: "replication delay", Want: "no MASTER_DELAY (a delayed standby is not ready to promote)", Got: "none", OK: r.SQLDelay == 0}
	if r.SQLDelay > 0 {
		delay.Got = fmt.Sprintf("MASTER_DELAY %d s, %s behind: set MASTER_DELAY = 0 on the standby and let it catch up, then preview again",
			r.SQLDelay, behind(r))
	}
	gtid := Precondition{Name: "GTID positioning"}
	if sst.Engine.MariaDB {
		gtid.Want, gtid.Got = "Using_Gtid Slave_Pos or Current_Pos", orDash(r.UsingGTID)
		gtid.OK = r.UsingGTID != "" && r.UsingGTID != "No"
	} else {
		gtid.Want, gtid.Got, gtid.OK = "Auto_Position 1", fmt.Sprint(r.AutoPosition), r.AutoPosition
	}
	binlog := Precondition{Name: "standby binary log", Want: "log_bin ON (the old primary will replicate from it)",
		Got: onOff(sst.LogBin), OK: sst.LogBin}
	return []Precondition{ch, threads, errs, lag, delay, gtid, binlog}
}

// errantCheck is docs/sql.md §4: the standby has no transactions of its own.
func (a *switchAction) errantCheck(ctx context.Context, sst, pst mysql.ServerState) Precondition {
	pc := Precondition{Name: "errant transactions", Want: "none"}
	if sst.Engine.MariaDB {
		var bad []string
		if mysql.ErrantMariaDB(sst.GTIDCurrentPos, sst.GTIDSlavePos) {
			bad = append(bad, fmt.Sprintf("gtid_current_pos %s ≠ gtid_slave_pos %s", sst.GTIDCurrentPos, sst.GTIDSlavePos))
		}
		if e := mysql.ErrantBinlogState(sst.GTIDBinlogState, pst.GTIDBinlogState); len(e) > 0 {
			bad = append(bad, "binlog state entries the primary lacks: "+strings.Join(e, ","))
		}
		pc.OK, pc.Got = len(bad) == 0, "none"
		if len(bad) > 0 {
			pc.Got = strings.Join(bad, "; ")
		}
		return pc
	}
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	extra, err := mysql.GTIDSubtract(rctx, a.sa.DB, sst.GTIDExecuted, pst.GTIDExecuted)
	switch {
	case err != nil:
		pc.Got = "cannot check: " + a.sa.Explain(err)
	case extra != "":
		pc.Got = extra
	default:
		pc.OK, pc.Got = true, "none"
	}
	return pc
}

// primaryChecks: the primary is writable (it is the primary) and runs no
// long write that read_only would cut off (MHA).
func (a *switchAction) primaryChecks(ctx context.Context, pst mysql.ServerState) []Precondition {
	rw := Precondition{Name: "primary writable", Want: "read_only OFF", Got: "read_only " + onOff(pst.ReadOnly), OK: !pst.ReadOnly}
	long := Precondition{Name: "long writes on primary", Want: "no write running ≥ 2 s"}
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	lw, err := mysql.LongWrites(rctx, a.pa.DB, 2)
	switch {
	case err != nil:
		long.Got = "cannot check: " + a.pa.Explain(err)
	case len(lw) > 0:
		long.Got = strings.Join(lw, "; ")
	default:
		long.OK, long.Got = true, "none"
	}
	return []Precondition{rw, long}
}

// accountChecks: what demoting the old primary needs.
func (a *switchAction) accountChecks() []Precondition {
	acct := Precondition{Name: "replication account", Want: "replication_user set (and its password_env set)"}
	switch env := a.cfg.ReplicationPasswordEnv; {
	case a.cfg.ReplicationUser == "":
		acct.Got = "no replication_user in the switchover config"
	case env != "" && os.Getenv(env) == "":
		acct.Got = "$" + env + " is not set"
	default:
		acct.OK, acct.Got = true, a.cfg.ReplicationUser
		if env != "" {
			acct.Got += ", password from $" + env
		}
	}
	addr := Precondition{Name: "standby address", Want: "a tcp host:port the old primary can replicate from"}
	if h, p, err := a.sa.HostPort(); err != nil {
		addr.Got = err.Error()
	} else {
		addr.OK, addr.Got = true, fmt.Sprintf("%s:%d", h, p)
	}
	return []Precondition{acct, addr}
}

// failoverChecks (docs/sql.md §7e): the primary does not answer, the standby sees it
// gone, and the standby can drain its relay log.
func (a *switchAction) failoverChecks(pre []Precondition, binding map[string]string, sst mysql.ServerState, perr error) []Precondition {
	dead := Precondition{Name: "primary unreachable", Want: a.primary.Name + " does not answer (failover is for a dead primary)"}
	if perr == nil {
		dead.Got = "it answers: use a planned switchover"
	} else {
		dead.OK, dead.Got = true, a.pa.Explain(perr)
	}
	pre = append(pre, dead)
	if len(sst.Replicas) != 1 {
		return append(pre, Precondition{Name: "standby is a replica", Want: "one replication channel", Got: fmt.Sprintf("%d channels", len(sst.Replicas))})
	}
	r := sst.Replicas[0]
	binding["gtid_received"] = receivedPosition(sst)
	io := Precondition{Name: "replica sees primary down", Want: "IO thread not Yes (Connecting or stopped with an error)",
		Got: fmt.Sprintf("IO %s %s", orDash(r.IORunning), r.LastIOError), OK: r.IORunning != "Yes"}
	sqlT := Precondition{Name: "replica SQL thread", Want: "Yes (to apply what it received)", Got: orDash(r.SQLRunning), OK: r.SQLRunning == "Yes"}
	gtid := Precondition{Name: "GTID positioning", Want: "GTID replication", Got: orDash(r.UsingGTID),
		OK: r.UsingGTID != "" && r.UsingGTID != "No" || r.AutoPosition}
	return append(pre, io, sqlT, gtid)
}

// behind is Seconds_Behind in words ("24 s", or "unknown").
func behind(r mysql.ReplicaStatus) string {
	if r.SecondsBehind == nil {
		return "unknown"
	}
	return fmt.Sprintf("%d s", *r.SecondsBehind)
}

func onOff(b bool) string {
	if b {
		return "ON"
	}
	return "OFF"
}
