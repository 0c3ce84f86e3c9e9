package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// The snapshot folds a quiet round into one SELECT: status counters, the
// variables the first round found, the oldest transactions, the process
// list and (when due) the fragmentation scan come back as one row of
// scalars and JSON arrays. The statement a person would type to watch a
// server (mytop, innotop) costs the server the same reads; one round trip
// instead of five keeps the console the lightest client on the server.
// JSON_ARRAYAGG and JSON_OBJECTAGG exist from MariaDB 10.5 and MySQL 5.7.22;
// older servers, and accounts the SELECT is refused to (no PROCESS), take
// the statement-per-source path in collect.go.

// snapshotCapable is MariaDB 10.5+ or MySQL 8.0+.
func (e Engine) snapshotCapable() bool {
	if e.MariaDB {
		return e.AtLeast(10, 5, 0)
	}
	return e.AtLeast(8, 0, 0)
}

// statusNames are the counters and gauges a round reads (statusSQL's list).
var statusNames = []string{"Threads_connected", "Threads_running", "Max_used_connections", "Connections",
	"Aborted_connects", "Aborted_clients", "Connection_errors_max_connections",
	"Access_denied_errors", "Aborted_connects_preauth", "Innodb_history_list_length",
	"Innodb_deadlocks", "Slaves_connected", "Slaves_running", "Uptime"}

// snapshotTrx is trxSQL's columns as JSON, for the snapshot.
const snapshotTrx = `(SELECT JSON_ARRAYAGG(JSON_OBJECT('thread_id', x.thread_id, 'trx_id', x.trx_id,
  'trx_state', x.trx_state, 'trx_started', x.trx_started, 'trx_age_seconds', x.trx_age_seconds,
  'trx_rows_modified', x.trx_rows_modified, 'trx_rows_locked', x.trx_rows_locked,
  'trx_isolation_level', x.trx_isolation_level, 'user', x.user, 'host', x.host, 'db', x.db,
  'command', x.command, 'time', x.time, 'trx_query', x.trx_query)) FROM (
 SELECT t.trx_mysql_thread_id AS thread_id, t.trx_id, t.trx_state, t.trx_started,
  TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS trx_age_seconds,
  t.trx_rows_modified, t.trx_rows_locked, t.trx_isolation_level,
  p.USER AS user, p.HOST AS host, p.DB AS db, p.COMMAND AS command, p.TIME AS time,
  LEFT(t.trx_query, 512) AS trx_query
 FROM information_schema.INNODB_TRX t
 LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
 WHERE t.trx_mysql_thread_id <> CONNECTION_ID()
 ORDER BY t.trx_started LIMIT 20) x) AS trx_json,
 (SELECT COUNT(*) FROM information_schema.INNODB_TRX) AS trx_total,
 (SELECT COUNT(*) FROM information_schema.INNODB_TRX x WHERE x.trx_state = 'LOCK WAIT') AS trx_lock_waiting`

// snapshotProcs is processlistSQL as JSON.
const snapshotProcs = `(SELECT JSON_ARRAYAGG(JSON_OBJECT('id', x.id, 'user', x.user, 'host', x.host, 'db', x.db,
  'command', x.command, 'time', x.time, 'state', x.state, 'info', x.info)) FROM (
 SELECT ID AS id, USER AS user, HOST AS host, DB AS db, COMMAND AS command,
  TIME AS time, STATE AS state, LEFT(INFO, 256) AS info
 FROM information_schema.PROCESSLIST
 WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
  AND USER NOT IN ('system user', 'event_scheduler')
 ORDER BY (COMMAND = 'Sleep'), TIME DESC LIMIT 10) x) AS procs_json`

// snapshotFrag is fragmentationSQL as JSON, added only when the scan is due.
const snapshotFrag = `(SELECT JSON_ARRAYAGG(JSON_OBJECT('table_schema', x.table_schema, 'table_name', x.table_name,
  'data_length', x.data_length, 'index_length', x.index_length, 'data_free', x.data_free)) FROM (
 SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name,
  DATA_LENGTH AS data_length, INDEX_LENGTH AS index_length, DATA_FREE AS data_free
 FROM information_schema.TABLES
 WHERE ENGINE = 'InnoDB' AND DATA_FREE > 0
  AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
 ORDER BY DATA_FREE DESC LIMIT 20) x) AS frag_json`

// snapshotMySQL8 adds what MySQL keeps outside status (unverified: no MySQL
// server here): the history list length from INNODB_METRICS, and how many
// replication channels are configured, which says when SHOW REPLICA STATUS
// is worth sending.
const snapshotMySQL8 = `(SELECT JSON_OBJECT('count', m.COUNT, 'status', m.STATUS)
  FROM information_schema.INNODB_METRICS m WHERE m.NAME = 'trx_rseg_history_len') AS hll_json,
 (SELECT COUNT(*) FROM performance_schema.replication_connection_configuration) AS replica_channels`

// snapshotSQL builds the round's SELECT. Variables are read as @@global
// scalars, only those the server listed in SHOW GLOBAL VARIABLES (selecting
// one it lacks is an error).
func (p *Probe) snapshotSQL(withFrag bool) string {
	var b strings.Builder
	statusFrom := "information_schema.GLOBAL_STATUS"
	if !p.engine.MariaDB {
		statusFrom = "performance_schema.global_status"
	}
	quoted := make([]string, len(statusNames))
	for i, n := range statusNames {
		quoted[i] = "'" + n + "'"
	}
	fmt.Fprintf(&b, "SELECT /* triage round */\n (SELECT JSON_OBJECTAGG(VARIABLE_NAME, VARIABLE_VALUE) FROM %s\n  WHERE VARIABLE_NAME IN (%s)) AS status_json,\n",
		statusFrom, strings.Join(quoted, ","))
	for _, v := range p.varNames {
		fmt.Fprintf(&b, " @@global.%s AS v_%s,\n", v, v)
	}
	b.WriteString(" " + snapshotTrx + ",\n " + snapshotProcs)
	if withFrag {
		b.WriteString(",\n " + snapshotFrag)
	}
	if !p.engine.MariaDB {
		b.WriteString(",\n " + snapshotMySQL8)
	}
	return b.String()
}

// collectSnapshot runs the snapshot and fills r as the separate statements
// would. A refused SELECT is returned (the caller falls back) and leaves r
// untouched apart from the statement count.
func (p *Probe) collectSnapshot(ctx context.Context, r *round, conn *sql.Conn, withFrag bool) error {
	rows, err := p.run(ctx, r, conn, p.snapshotSQL(withFrag))
	if err != nil {
		return err
	}
	if len(rows) != 1 {
		return fmt.Errorf("round snapshot returned %d rows", len(rows))
	}
	s := rows[0]
	status, err := jsonObject(s.text("status_json"))
	if err != nil {
		return fmt.Errorf("round snapshot: status: %w", err)
	}
	trx, err1 := jsonRows(s.text("trx_json"))
	procs, err2 := jsonRows(s.text("procs_json"))
	if err := firstErr(err1, err2); err != nil {
		return fmt.Errorf("round snapshot: %w", err)
	}
	r.status = lowerKeys(status)
	r.vars = map[string]string{}
	for _, v := range p.varNames {
		if val, ok := s.str("v_" + v); ok {
			r.vars[v] = p.varStyle(v, val)
		}
	}
	sort.SliceStable(trx, func(i, j int) bool { return trx[i].text("trx_started") < trx[j].text("trx_started") })
	sort.SliceStable(procs, func(i, j int) bool {
		si, sj := procs[i].text("command") == "Sleep", procs[j].text("command") == "Sleep"
		if si != sj {
			return sj
		}
		return procs[i].num("time") > procs[j].num("time")
	})
	r.trx, r.procs = trx, procs
	r.trxTotal, r.trxLockWaiting = s.num("trx_total"), s.num("trx_lock_waiting")
	if n, ok := s.int("replica_channels"); ok {
		r.replicaChannels = &n
	}
	if h := s.text("hll_json"); h != "" {
		m, err := jsonObject(h)
		if err == nil {
			r.hllMetrics = []row{m}
		}
	}
	if withFrag {
		frag, err := jsonRows(s.text("frag_json"))
		p.frag = fragCache{rows: frag, err: err, at: r.start}
		r.frag = p.frag
	}
	return nil
}

// varStyle writes a boolean variable the way SHOW GLOBAL VARIABLES did
// (ON/OFF): @@global returns 1/0, and evidence and checks read ON/OFF.
func (p *Probe) varStyle(name, v string) string {
	orig := strings.ToUpper(p.varSample[name])
	if orig != "ON" && orig != "OFF" {
		return v
	}
	switch v {
	case "1":
		return "ON"
	case "0":
		return "OFF"
	}
	return v
}

// jsonRows reads a JSON array of objects into rows (NULL or "" is none).
func jsonRows(s string) ([]row, error) {
	if s == "" {
		return nil, nil
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	out := make([]row, 0, len(raw))
	for _, m := range raw {
		out = append(out, rowFromJSON(m))
	}
	return out, nil
}

// jsonObject reads one JSON object into a row.
func jsonObject(s string) (row, error) {
	if s == "" {
		return row{}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return rowFromJSON(m), nil
}

// rowFromJSON keeps every value as the text the plain SELECT would have
// returned: strings unquoted, numbers as written, null as SQL NULL.
func rowFromJSON(m map[string]json.RawMessage) row {
	r := make(row, len(m))
	for k, v := range m {
		k = strings.ToLower(k)
		v = bytes.TrimSpace(v)
		switch {
		case len(v) == 0 || string(v) == "null":
			r[k] = nil
		case v[0] == '"':
			var s string
			if json.Unmarshal(v, &s) != nil {
				s = string(v)
			}
			r[k] = &s
		default:
			s := string(v)
			r[k] = &s
		}
	}
	return r
}

// lowerKeys is the status map keyed as queryNameValue keys it.
func lowerKeys(r row) map[string]string {
	out := make(map[string]string, len(r))
	for k, v := range r {
		if v != nil {
			out[strings.ToLower(k)] = *v
		}
	}
	return out
}

// snapshotVarNames are the variables the snapshot reads each round: those of
// variablesSQL the server has, in a stable order.
func snapshotVarNames(vars map[string]string) []string {
	out := make([]string, 0, len(vars))
	for k := range vars {
		if isIdent(k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// isIdent guards the names pasted into the SELECT: they come from the
// server's own SHOW GLOBAL VARIABLES, but a name is never trusted as SQL.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
