package mysql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// ReplicaStatus is one replication channel as SHOW REPLICA/SLAVE STATUS
// reports it, read by column name with the MariaDB/MySQL 5.7 (Slave_*,
// Master_*) and MySQL 8 (Replica_*, Source_*) spellings.
type ReplicaStatus struct {
	Channel    string // Connection_name (MariaDB) or Channel_Name (MySQL); "" for the default
	SourceHost string
	SourcePort int64
	IORunning  string // Yes, No, Connecting
	SQLRunning string // Yes, No
	// SecondsBehind is nil when the server reports NULL: unknown, not 0 (the
	// SQL or IO thread is stopped or has not caught up to a known position).
	SecondsBehind *int64
	SQLDelay      int64
	LastIOErrno   int64
	LastIOError   string
	LastSQLErrno  int64
	LastSQLError  string
	SQLState      string // Slave_SQL_Running_State
	UsingGTID     string // MariaDB: No, Slave_Pos, Current_Pos
	GtidIOPos     string // MariaDB: GTIDs received
	// MySQL GTID sets and Auto_Position.
	RetrievedGtidSet string
	ExecutedGtidSet  string
	AutoPosition     bool
}

// Running is true when both threads run.
func (s ReplicaStatus) Running() bool { return s.IORunning == "Yes" && s.SQLRunning == "Yes" }

// Lag is Seconds_Behind minus the configured SQL_Delay (a delayed replica is
// not late); ok is false when the server reports NULL.
func (s ReplicaStatus) Lag() (lag int64, ok bool) {
	if s.SecondsBehind == nil {
		return 0, false
	}
	return max(*s.SecondsBehind-s.SQLDelay, 0), true
}

func replicaFromRow(r row) ReplicaStatus {
	s := ReplicaStatus{
		Channel:     r.text("connection_name", "channel_name"),
		SourceHost:  r.text("master_host", "source_host"),
		SourcePort:  r.num("master_port", "source_port"),
		IORunning:   r.text("slave_io_running", "replica_io_running"),
		SQLRunning:  r.text("slave_sql_running", "replica_sql_running"),
		SQLDelay:    r.num("sql_delay"),
		LastIOErrno: r.num("last_io_errno"), LastIOError: r.text("last_io_error"),
		LastSQLErrno: r.num("last_sql_errno"), LastSQLError: r.text("last_sql_error"),
		SQLState:  r.text("slave_sql_running_state", "replica_sql_running_state"),
		UsingGTID: r.text("using_gtid"), GtidIOPos: r.text("gtid_io_pos"),
		RetrievedGtidSet: r.text("retrieved_gtid_set"), ExecutedGtidSet: r.text("executed_gtid_set"),
		AutoPosition: r.text("auto_position") == "1",
	}
	if v, ok := r.int("seconds_behind_master", "seconds_behind_source"); ok {
		s.SecondsBehind = &v
	}
	return s
}

// ReadReplicaStatus runs the engine's SHOW … STATUS and returns every
// channel; none means the server is not a replica. Read-only.
func ReadReplicaStatus(ctx context.Context, q Queryer, e Engine) ([]ReplicaStatus, error) {
	rows, err := queryRows(ctx, q, e.replicaStatusSQL())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.replicaStatusSQL(), err)
	}
	out := make([]ReplicaStatus, 0, len(rows))
	for _, r := range rows {
		out = append(out, replicaFromRow(r))
	}
	return out, nil
}

// parseGTIDPos reads a MariaDB GTID position "0-1-447,1-2-9" into
// domain → "server-seq".
func parseGTIDPos(s string) map[string]string {
	m := map[string]string{}
	for _, g := range strings.Split(s, ",") {
		g = strings.TrimSpace(g)
		d, rest, ok := strings.Cut(g, "-")
		if !ok {
			continue
		}
		m[d] = rest
	}
	return m
}

// ErrantMariaDB reports local writes on a MariaDB replica: a domain of
// gtid_current_pos whose last GTID comes from another server than
// gtid_slave_pos's, or that gtid_slave_pos lacks, means the replica binlogged
// a transaction of its own (docs/sql.md §4, verified). With gtid_strict_mode
// the primary's next write then stops replication with error 1950. The two
// positions are read a moment apart, so the same origin at another sequence
// number is replication moving, not an errant transaction.
func ErrantMariaDB(currentPos, slavePos string) bool {
	c, s := parseGTIDPos(currentPos), parseGTIDPos(slavePos)
	for d, v := range c {
		sv, ok := s[d]
		switch {
		case !ok:
			return true // a domain only this server wrote
		case sv == v:
		case originOf(v) != originOf(sv):
			return true // the last GTID of the domain is another server's: a local write
		}
		// Same origin, other sequence number: replication applied a
		// transaction between the two reads. That is progress, not errant.
	}
	return false
}

// originOf is the server_id of a "server-seq" GTID tail.
func originOf(serverSeq string) string {
	server, _, _ := strings.Cut(serverSeq, "-")
	return server
}

// channelVerdict grades one channel.
func channelVerdict(s ReplicaStatus, th probes.Threshold) (probes.Status, string) {
	name := ""
	if s.Channel != "" {
		name = fmt.Sprintf("channel %q: ", s.Channel)
	}
	src := fmt.Sprintf("%s:%d", s.SourceHost, s.SourcePort)
	switch {
	case s.SQLRunning != "Yes":
		msg := name + "SQL thread stopped"
		if s.LastSQLErrno != 0 {
			msg += fmt.Sprintf(": error %d: %s", s.LastSQLErrno, truncate(s.LastSQLError, 200))
		}
		return probes.Crit, msg
	case s.IORunning == "Connecting":
		msg := name + "IO thread connecting to " + src
		if s.LastIOErrno != 0 {
			msg += fmt.Sprintf(": error %d: %s", s.LastIOErrno, truncate(s.LastIOError, 200))
		}
		return probes.Crit, msg
	case s.IORunning != "Yes":
		msg := name + "IO thread stopped (nothing new arrives from " + src + ")"
		if s.LastIOErrno != 0 {
			msg += fmt.Sprintf(": error %d: %s", s.LastIOErrno, truncate(s.LastIOError, 200))
		}
		return probes.Crit, msg
	}
	lag, ok := s.Lag()
	if !ok {
		return probes.Warn, name + "lag unknown (Seconds_Behind_Master is NULL)"
	}
	st := th.Grade(float64(lag))
	return st, fmt.Sprintf("%sreplicating from %s, lag %d s%s", name, src, lag, breach(th, st, "s"))
}

func channelEvidence(s ReplicaStatus) map[string]any {
	m := map[string]any{
		"channel": s.Channel, "source_host": s.SourceHost, "source_port": s.SourcePort,
		"io_running": s.IORunning, "sql_running": s.SQLRunning,
		"seconds_behind": nil, "sql_delay": s.SQLDelay,
		"last_io_errno": s.LastIOErrno, "last_io_error": s.LastIOError,
		"last_sql_errno": s.LastSQLErrno, "last_sql_error": s.LastSQLError,
		"sql_state": s.SQLState,
	}
	if s.SecondsBehind != nil {
		m["seconds_behind"] = *s.SecondsBehind
	}
	if lag, ok := s.Lag(); ok {
		m["lag_seconds"] = lag
	}
	if s.UsingGTID != "" {
		m["using_gtid"], m["gtid_io_pos"] = s.UsingGTID, s.GtidIOPos
	}
	if s.RetrievedGtidSet != "" || s.ExecutedGtidSet != "" {
		m["retrieved_gtid_set"], m["executed_gtid_set"] = s.RetrievedGtidSet, s.ExecutedGtidSet
		m["auto_position"] = s.AutoPosition
	}
	return m
}

// gtidVars are the server's own GTID positions, for the evidence.
var gtidVars = []string{"gtid_current_pos", "gtid_slave_pos", "gtid_binlog_pos", "gtid_strict_mode",
	"gtid_mode", "gtid_executed", "server_id", "log_bin", "read_only"}

func (p *Probe) replication(r *round) probes.Result {
	th := p.spec.Threshold(CheckReplication, DefaultReplicationLag)
	res := probes.Result{Check: CheckReplication, For: th.ForDuration(), Unit: "s"}
	if r.replErr != nil {
		return p.unmeasured(res, r, r.replErr, p.engine.needsReplication())
	}
	ev := map[string]any{}
	for _, k := range gtidVars {
		if v, ok := r.vars[k]; ok {
			ev[k] = v
		}
	}
	if len(r.replicas) == 0 {
		ev["role"] = "primary"
		if v, ok := r.status["slaves_connected"]; ok {
			ev["replicas_connected"], _ = atof(v)
		}
		res.Summary, res.Unit = "not a replica", ""
		res.Evidence = ev
		return res
	}
	ev["role"] = "replica"
	chans := make([]map[string]any, 0, len(r.replicas))
	worst, summary := probes.OK, ""
	var maxLag *int64
	for _, row := range r.replicas {
		s := replicaFromRow(row)
		chans = append(chans, channelEvidence(s))
		st, msg := channelVerdict(s, th)
		if s.SQLRunning != "Yes" && s.GtidIOPos != "" && p.engine.MariaDB {
			msg += fmt.Sprintf(" (received up to %s, applied %s)", s.GtidIOPos, r.vars["gtid_slave_pos"])
		}
		if summary == "" || st.Worse(worst) {
			worst, summary = st, msg
		}
		if lag, ok := s.Lag(); ok && (maxLag == nil || lag > *maxLag) {
			maxLag = &lag
		}
	}
	ev["channels"] = chans
	if maxLag != nil {
		res.Value = probes.V(float64(*maxLag))
	}
	if p.engine.MariaDB {
		cur, slave := r.vars["gtid_current_pos"], r.vars["gtid_slave_pos"]
		errant := ErrantMariaDB(cur, slave)
		ev["errant_transactions"] = errant
		if errant {
			summary += fmt.Sprintf("; errant transactions: gtid_current_pos %s ≠ gtid_slave_pos %s (local writes on the replica)", cur, slave)
			worst = probes.Worst(worst, probes.Warn)
		}
	} else {
		ev["errant_check"] = "needs the primary's gtid_executed (GTID_SUBTRACT); done by the switchover precheck"
	}
	res.Status, res.Summary, res.Evidence = worst, summary, ev
	if len(r.replicas) > 1 {
		res.Summary = fmt.Sprintf("%d channels; worst: %s", len(r.replicas), summary)
	}
	return res
}

// readOnly flags a role mismatch: a primary (no replication channel) that is
// read-only refuses the application's writes; a writable replica invites
// errant transactions.
func (p *Probe) readOnly(r *round) probes.Result {
	res := probes.Result{Check: CheckReadOnly}
	if r.replErr != nil {
		res = p.unmeasured(res, r, r.replErr, "role unknown: "+p.engine.needsReplication())
		return res
	}
	ro, ok := r.vars["read_only"]
	if !ok {
		res.Status, res.Summary = probes.Unknown, "server did not report read_only"
		return res
	}
	on := slices.Contains([]string{"ON", "1"}, strings.ToUpper(ro))
	role := "primary"
	if len(r.replicas) > 0 {
		role = "replica"
	}
	res.Evidence = map[string]any{"role": role, "read_only": on}
	if v, ok := r.vars["super_read_only"]; ok {
		res.Evidence["super_read_only"] = strings.EqualFold(v, "ON") || v == "1"
	}
	res.Value = probes.V(map[bool]float64{false: 0, true: 1}[on])
	switch {
	case role == "primary" && on:
		res.Status, res.Summary = probes.Crit, "primary is read-only (read_only=ON): application writes fail with error 1290"
	case role == "replica" && !on:
		res.Status, res.Summary = probes.Crit, "replica is writable (read_only=OFF): local writes become errant transactions"
	default:
		res.Summary = fmt.Sprintf("%s, read_only=%s as expected", role, strings.ToUpper(ro))
	}
	return res
}
