package drill

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/internal/golden"
)

// longSQL is a statement longer than any screen, with a terminal escape and
// newlines as a real client sends them.
const longSQL = "UPDATE invoice_line l JOIN invoice i ON i.id = l.invoice_id\n" +
	"SET l.status = 'settled', l.settled_at = NOW(), l.note = CONCAT(l.note, ' batch 2024-02-11')\x1b]0;pwned\x07\n" +
	"WHERE i.customer_id IN (SELECT id FROM customer WHERE region = 'north' AND tier = 'gold') AND l.amount > 0"

// fullWaits is lock_waits evidence with every field the mysql probe gives
// a wait (README "Evidence fields").
func fullWaits() map[string]any {
	w := map[string]any{
		"waiting_thread": 4712, "blocking_thread": 4711, "wait_seconds": 14.2, "waiting_query": longSQL,
		"blocking_query": nil, "blocking_trx_age_seconds": 95, "blocking_rows_modified": 12408,
		"blocking_activity": "idle in transaction 42 s", "blocking_last_statement": nil, "blocking_trx_id": "421",
		"blocking_trx_state": "RUNNING", "blocking_trx_started": "2024-02-11 03:12:09", "blocking_rows_locked": 12410,
		"blocking_command": "Sleep", "blocking_user": "batch", "blocking_host": "10.0.3.7:52110", "blocking_db": "billing",
		"waiting_trx_id": "422", "waiting_user": "app", "waiting_host": "10.0.2.4:40112", "waiting_db": "billing",
		"locked_table": "`billing`.`invoice_line`", "locked_index": "PRIMARY", "lock_mode": "X,REC_NOT_GAP",
	}
	w2 := map[string]any{}
	for k, v := range w {
		w2[k] = v
	}
	w2["waiting_thread"], w2["wait_seconds"], w2["waiting_query"] = 4715, 3.5, "SELECT * FROM invoice WHERE id=42 FOR UPDATE"
	return map[string]any{"waits": []map[string]any{w, w2}}
}

// replication is a replica's evidence with one channel stopped on an error.
func replication() map[string]any {
	return map[string]any{"role": "replica", "channels": []map[string]any{{
		"channel": "", "source_host": "db-primary.internal", "source_port": 3306, "io_running": "Yes", "sql_running": "No",
		"seconds_behind": nil, "lag_seconds": nil, "sql_delay": 0, "last_io_errno": 0, "last_io_error": "",
		"last_sql_errno": 1062, "last_sql_error": "Could not execute Write_rows_v1 event on table billing.invoice; Duplicate entry '42' for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY",
		"sql_state": "", "using_gtid": "Slave_Pos", "gtid_io_pos": "0-1-4711", "auto_position": nil,
	}}}
}

// header is the table's header line: the one after "name (n):".
func headerOf(lines []string, name string) string {
	for i, l := range lines {
		if strings.HasPrefix(l, name+" (") && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	return ""
}

// The key columns show at every width the drill-down gives evidence (the
// whole of 60 to 139 columns, the right half above), every line fits, long
// SQL wraps sanitised, and the rest is named and reachable with →.
func TestTableKeyColumns(t *testing.T) {
	st := common.DefaultStyles()
	tests := []struct {
		name string
		ev   map[string]any
		list string
		keys []string
	}{
		{"lock waits", fullWaits(), "waits", []string{"waiting_thread", "blocking_thread", "wait_seconds"}},
		{"replication", replication(), "channels", []string{"io_running", "sql_running", "seconds_behind", "lag_seconds"}},
	}
	for _, tt := range tests {
		// 58: 60 columns framed; 78: 80 framed; 77 and 97: the right half at 160 and 200; 118: 120 framed
		for _, w := range []int{58, 77, 78, 97, 118, 138} {
			lines := Evidence(st, tt.ev, w, 0)
			out := strings.Join(lines, "\n")
			for _, l := range lines {
				require.LessOrEqual(t, lipgloss.Width(l), w, "%s at %d: %q", tt.name, w, l)
			}
			assert.NotContains(t, out, "\x1b")
			assert.NotContains(t, out, "pwned")
			head := headerOf(lines, tt.list)
			for _, k := range tt.keys {
				assert.Contains(t, head, k, "%s at %d", tt.name, w)
			}
			assert.Contains(t, out, "more columns (←/→)", "%s at %d: the rest is named", tt.name, w)
			assert.NotContains(t, out, "not shown")

			cols := EvidenceColumns(st, tt.ev, w)
			require.Positive(t, cols)
			last := Evidence(st, tt.ev, w, cols)
			lh := headerOf(last, tt.list)
			for _, k := range tt.keys {
				assert.Contains(t, lh, k, "%s at %d scrolled right: key columns stay", tt.name, w)
			}
			assert.NotContains(t, strings.Join(last, "\n"), "more column", "%s at %d: nothing right of the last position", tt.name, w)
			assert.Contains(t, strings.Join(last, "\n"), "← ", "%s at %d", tt.name, w)
			assert.Equal(t, last, Evidence(st, tt.ev, w, cols+5), "scrolling past the end stays at the end")
		}
	}
}

// Scrolling right brings every column on screen once, in order of
// importance, and long text wraps within its column.
func TestTableScrollsThroughEveryColumn(t *testing.T) {
	st := common.DefaultStyles()
	ev := fullWaits()
	const w = 78
	seen := map[string]bool{}
	var order []string
	for col := 0; col <= EvidenceColumns(st, ev, w); col++ {
		for _, f := range strings.Fields(headerOf(Evidence(st, ev, w, col), "waits")) {
			if !seen[f] {
				seen[f] = true
				order = append(order, f)
			}
		}
	}
	assert.Len(t, order, len(ev["waits"].([]map[string]any)[0]), "every column reachable")
	assert.Equal(t, []string{"waiting_thread", "blocking_thread", "wait_seconds", "blocking_activity",
		"blocking_trx_age_seconds", "blocking_rows_modified", "waiting_query", "locked_table"}, order[:8],
		"blocking_query is null in every row (idle blockers): it goes last")
	assert.Equal(t, []string{"blocking_query", "blocking_last_statement"}, order[len(order)-2:])

	var sqlCol int // scroll to the waiting_query column
	for col := 0; ; col++ {
		if strings.Contains(headerOf(Evidence(st, ev, w, col), "waits"), "waiting_query") {
			sqlCol = col
			break
		}
	}
	lines := Evidence(st, ev, w, sqlCol)
	at := strings.Index(headerOf(lines, "waits"), "waiting_query")
	var cell []string
	for _, l := range lines[2:] {
		if len(l) > at && !strings.HasPrefix(l, "4715") {
			cell = append(cell, strings.TrimSpace(l[at:]))
			continue
		}
		break
	}
	require.Greater(t, len(cell), 3, "the statement wraps over lines")
	assert.Equal(t, strings.Join(strings.Fields(strings.ReplaceAll(strings.ReplaceAll(longSQL, "\x1b]0;pwned\x07", ""), "\n", " ")), " "),
		strings.Join(cell, " "), "within its column, sanitised, whole")
	golden.Assert(t, "waits_sql_78", strings.Join(lines, "\n"))
}

func TestReplicationTable(t *testing.T) {
	st := common.DefaultStyles()
	for _, w := range []int{78, 158} {
		out := strings.Join(Evidence(st, replication(), w, 0), "\n")
		for _, part := range []string{"Could not execute", "Duplicate", "HA_ERR_FOUND_DUPP_KEY"} {
			assert.Contains(t, out, part, "the error wraps, whole")
		}
		assert.NotContains(t, out, "last_io_error  ", "an empty column is not drawn before the others")
		golden.Assert(t, "replication_"+map[int]string{78: "narrow", 158: "wide"}[w], out)
	}
}

// Key columns are pinned per kind of table; a table without any pins its
// first column, the row's identity.
func TestTablePinnedColumns(t *testing.T) {
	st := common.DefaultStyles()
	tests := []struct {
		name string
		rows []map[string]any
		head string // the header at col 0 begins with it
	}{
		{"redis replicas", []map[string]any{{"ip": "127.0.0.1", "port": "6380", "state": "online", "offset": "42", "lag": "0"}}, "lag  state  ip"},
		{"process list", []map[string]any{{"id": 497, "user": "root", "host": "127.0.0.1:45054", "time": 170, "command": "Sleep", "state": "", "info": nil}}, "id  user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, _ := Table(st, tt.rows, 30, 0)
			want := strings.Fields(tt.head)
			assert.Equal(t, want, strings.Fields(lines[0])[:len(want)])
			lines, cols := Table(st, tt.rows, 30, 99)
			require.Positive(t, cols)
			assert.True(t, strings.HasPrefix(lines[0], strings.Fields(tt.head)[0]), "scrolled: %q", lines[0])
		})
	}
}
