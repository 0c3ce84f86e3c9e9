package drill

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// Tables of evidence (lock waits, replication channels, process lists)
// have more columns than any terminal: they are drawn by importance. Key
// columns — the ones an operator decides on: the waiting and the blocking
// thread and how long, a replica's threads and lag — are pinned at the left
// and never scroll away; the others follow in order of importance, as many
// as fit, and ←/→ scrolls through them. Long text (SQL, errors) wraps within
// its column instead of being cut. docs/screen.md says the same for users.

// keyColumns are pinned, in this order, in a table that has the group's
// first column.
var keyColumns = [][]string{
	{"waiting_thread", "blocking_thread", "wait_seconds"},          // mysql lock_waits waits
	{"io_running", "sql_running", "seconds_behind", "lag_seconds"}, // mysql replication channels
	{"lag", "state"}, // redis replicas
}

// known orders the other columns by importance: what decides a kill first
// (docs/contracts.md), then the lock chain's nodes, process lists,
// replication errors, DNS answers.
var known = []string{
	"blocking_query", "blocking_activity", "blocking_trx_age_seconds", "blocking_rows_modified", "waiting_query",
	"locked_table", "lock_mode", "blocking_user", "blocking_host", "blocking_command", "blocking_last_statement",
	"thread", "activity", "trx_age_seconds", "rows_modified", "blocked_total", // lock_waits chain nodes
	"id", "pid", "name", "user", "host", "time", "command", "info", "cpu_percent", "memory_percent", // processes
	"last_sql_error", "last_io_error", "channel", "last_io_errno", "last_sql_errno", "sql_state", "source_host", "source_port", // replication
	"resolver", "type", "value", "ttl", // DNS answers
}

// rank orders the unpinned columns: known ones first in their order, then
// identifiers, numbers, text, and long text (SQL, messages).
func rank(k string, rows []map[string]any) int {
	for i, n := range known {
		if k == n {
			return i - len(known) // before every other key
		}
	}
	if longText(k) {
		return 3
	}
	l := strings.ToLower(k)
	for _, s := range []string{"thread", "id", "pid", "name", "host", "address", "instance", "mount", "resolver", "state", "series", "uri", "path"} {
		if strings.HasSuffix(l, s) {
			return 0
		}
	}
	for _, r := range rows {
		if v, ok := r[k]; ok && v != nil {
			if _, num := v.(float64); num {
				return 1
			}
			return 2
		}
	}
	return 2
}

// longText reports a column of free text (SQL, messages): it wraps within
// the room it gets.
func longText(k string) bool {
	l := strings.ToLower(k)
	for _, s := range []string{"query", "sql", "statement", "command", "info", "body", "message", "error", "text"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

const (
	minText      = 16  // the narrowest a long-text column is drawn
	maxCellLines = 12  // a wrapped cell's lines; the last says … when there is more
	maxNatural   = 120 // the widest a column asks for
	gap          = 2   // cells between columns
	wideText     = 40  // a column wider than this wraps like long text
)

// column is one column of a table and its width on screen.
type column struct {
	name    string
	natural int // widest value or header, at most maxNatural
	text    bool
	num     bool // every value a number: never wrapped
	width   int
}

// need is the room the column takes at its narrowest; a long text gets a
// third of the room there is, so that a statement reads in a few lines.
func (c column) need(room int) int {
	if c.text {
		return min(c.natural, max(minText, room/3))
	}
	return c.natural
}

// Table draws rows of maps as a table at most w cells wide: the key columns
// pinned, then the other columns from the col-th on in order of importance,
// as many as fit, long text wrapped within its column; at most maxTableRows
// rows. A last line names the columns off-screen on either side. cols is
// how far ←/→ can scroll this table (0: everything shows).
func Table(st *common.Styles, rows []map[string]any, w, col int) (lines []string, cols int) {
	shown := rows[:min(len(rows), maxTableRows)]
	pinned, rest := columns(rows, shown)
	used := 0
	for i, c := range pinned {
		used += c.natural
		if i > 0 {
			used += gap
		}
		pinned[i].width = c.natural
	}
	cols = maxOffset(rest, w-used)
	col = max(0, min(col, cols))
	vis := fit(rest[col:], w-used, len(pinned) > 0)
	all := append(pinned, vis...)
	grow(all, vis, w)
	lines = append(lines, header(st, all, w))
	for _, r := range shown {
		lines = append(lines, row(r, all, w)...)
	}
	if len(rows) > len(shown) {
		lines = append(lines, st.Dim.Render(fmt.Sprintf("… %d more", len(rows)-len(shown))))
	}
	if off := offScreen(rest, col, len(vis)); off != "" { // two lines at most: the names are a hint
		wrapped := text.Wrap(off, w)
		if len(wrapped) > 2 {
			wrapped = []string{wrapped[0], text.Trunc(strings.Join(wrapped[1:], " "), w)}
		}
		for _, l := range wrapped {
			lines = append(lines, st.Dim.Render(l))
		}
	}
	return lines, cols
}

// columns are the table's columns, the pinned ones apart, the rest in
// order of importance, each sized to the rows shown.
func columns(rows, shown []map[string]any) (pinned, rest []column) {
	seen := map[string]bool{}
	var names []string
	for _, r := range rows {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	sort.Strings(names)
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i], rows) < rank(names[j], rows) })
	pinned, key := keys(seen, shown)
	for _, k := range names {
		if !key[k] {
			rest = append(rest, newColumn(k, shown))
		}
	}
	// columns with nothing in them (an empty error, no channel name) go last
	sort.SliceStable(rest, func(i, j int) bool { return !empty(rest[i].name, rows) && empty(rest[j].name, rows) })
	if len(pinned) == 0 && len(rest) > 0 && !rest[0].text { // no key columns: the first identifies the row
		pinned, rest = rest[:1], rest[1:]
	}
	return pinned, rest
}

// keys are the key columns of a table with the columns seen, and their names.
func keys(seen map[string]bool, shown []map[string]any) ([]column, map[string]bool) {
	var pinned []column
	key := map[string]bool{}
	for _, g := range keyColumns {
		if !seen[g[0]] {
			continue
		}
		for _, k := range g {
			if seen[k] && !key[k] {
				key[k] = true
				pinned = append(pinned, newColumn(k, shown))
			}
		}
	}
	return pinned, key
}

// empty reports a column no row has a value in.
func empty(k string, rows []map[string]any) bool {
	for _, r := range rows {
		switch v := r[k].(type) {
		case nil:
		case string:
			if v != "" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func newColumn(k string, rows []map[string]any) column {
	c := column{name: k, natural: text.Width(text.Sanitize(k)), text: longText(k), num: true}
	for _, r := range rows {
		if v, ok := r[k]; ok {
			c.natural = max(c.natural, text.Width(cell(v, maxNatural)))
			if _, isNum := v.(float64); !isNum {
				c.num = false
			}
		}
	}
	c.natural = min(c.natural, maxNatural)
	c.text = c.text || c.natural > wideText // a long label wraps as text does
	return c
}

// fit is how many of cs, in order, fit in room at their narrowest (at
// least one when anything is left: a column too wide is cut, not dropped).
func fit(cs []column, room int, after bool) []column {
	var out []column
	used, whole := 0, 0 // whole: as used, with the texts before at their natural width
	for _, c := range cs {
		g := 0
		if after || len(out) > 0 {
			g = gap
		}
		c.width = c.need(room)
		if used+g+c.width > room && (len(out) > 0 || room < gap+4) {
			// a text that fits narrower wraps in what the texts before leave
			if left := room - whole - g; !c.num && left >= max(minText, text.Width(c.name)) && left < c.width {
				c.width, c.text = left, true
				out = append(out, c)
			}
			break
		}
		used += g + c.width
		whole += g + max(c.width, c.natural)
		out = append(out, c)
	}
	return out
}

// maxOffset is the first scroll position from which every remaining column
// shows: further right would show nothing new.
func maxOffset(cs []column, room int) int {
	for start := range cs {
		if len(fit(cs[start:], room, true)) == len(cs)-start {
			return start
		}
	}
	return 0
}

// grow gives the room left to the visible text columns, round-robin, up to
// their natural width; a last column too wide for the screen is narrowed
// to what is there and wraps.
func grow(all, vis []column, w int) {
	spare := w
	for i, c := range all {
		spare -= c.width
		if i > 0 {
			spare -= gap
		}
	}
	if spare < 0 && len(all) > 0 { // the last column is narrowed to the screen and wraps
		last := &all[len(all)-1]
		last.width, last.text = max(1, last.width+spare), true
		return
	}
	off := len(all) - len(vis)
	for spare > 0 {
		grew := false
		for i := range vis {
			c := &all[off+i]
			if spare > 0 && c.text && c.width < c.natural {
				c.width++
				spare--
				grew = true
			}
		}
		if !grew {
			return
		}
	}
}

func header(st *common.Styles, cs []column, w int) string {
	hs := st.Bold.Underline(true)
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", gap))
		}
		b.WriteString(hs.Render(text.Fit(text.Sanitize(c.name), c.width)))
	}
	return text.Trunc(strings.TrimRight(b.String(), " "), w)
}

// row is one table row in as many lines as its tallest cell: long text
// wraps within its column, anything else is one line.
func row(r map[string]any, cs []column, w int) []string {
	cells := make([][]string, len(cs))
	h := 1
	for i, c := range cs {
		v, ok := r[c.name]
		s := ""
		if ok {
			s = cell(v, maxNatural*maxCellLines)
		}
		cells[i] = []string{s}
		if c.text {
			cells[i] = wrapCell(s, c.width)
		}
		h = max(h, len(cells[i]))
	}
	out := make([]string, h)
	for j := range out {
		var b strings.Builder
		for i, c := range cs {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			s := ""
			if j < len(cells[i]) {
				s = cells[i][j]
			}
			b.WriteString(text.Fit(s, c.width))
		}
		out[j] = text.Trunc(strings.TrimRight(b.String(), " "), w)
	}
	return out
}

// wrapCell wraps s into lines of w cells, at most maxCellLines, the last
// ending in … when the text goes on.
func wrapCell(s string, w int) []string {
	lines := text.Wrap(s, w)
	if len(lines) > maxCellLines {
		lines = lines[:maxCellLines]
		last := lines[maxCellLines-1]
		lines[maxCellLines-1] = text.Trunc(last+" …", w)
		if text.Width(last) >= w {
			lines[maxCellLines-1] = text.Trunc(last, w-1) + "…"
		}
	}
	return lines
}

// offScreen says which columns ←/→ would show: "← 2 columns · → 3 more
// columns (←/→): lock_mode, blocking_user, blocking_host".
func offScreen(rest []column, col, shown int) string {
	left, right := col, len(rest)-col-shown
	if left == 0 && right <= 0 {
		return ""
	}
	var parts, names []string
	if left > 0 {
		parts = append(parts, fmt.Sprintf("← %d column%s", left, plural(left)))
	}
	if right > 0 {
		parts = append(parts, fmt.Sprintf("→ %d more column%s", right, plural(right)))
		for _, c := range rest[col+shown:] {
			names = append(names, text.Sanitize(c.name))
		}
	}
	s := strings.Join(parts, " · ") + " (←/→)"
	if len(names) > 0 {
		s += ": " + strings.Join(names, ", ")
	}
	return s
}
