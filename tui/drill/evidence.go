package drill

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// maxTableRows bounds a table; the rest is counted, not drawn.
const maxTableRows = 20

// normalize turns evidence of any shape (structs with json tags, typed
// slices) into maps, []any and scalars by a JSON round trip.
func normalize(ev map[string]any) map[string]any {
	b, err := json.Marshal(ev)
	if err == nil {
		var out map[string]any
		if json.Unmarshal(b, &out) == nil {
			return out
		}
	}
	out := make(map[string]any, len(ev)) // unmarshalable values: print them
	for k, v := range ev {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// Evidence draws a check's evidence in lines of at most w cells: scalars as
// "key: value", a lock-wait chain as a tree (root blockers first), nested
// maps indented one level, lists of maps as tables (columns: the union of
// keys in a stable order; a process list longest-running first), other
// lists joined.
func Evidence(st *common.Styles, ev map[string]any, w int) []string {
	if len(ev) == 0 {
		return []string{st.Dim.Render("no evidence")}
	}
	ev = normalize(ev)
	keys := sortedKeys(ev)
	var scalars, maps, lists []string
	var trees []string
	chains := map[string][]chainNode{}
	for _, k := range keys {
		if c, ok := parseChain(ev[k]); ok {
			trees, chains[k] = append(trees, k), c
			continue
		}
		switch v := ev[k].(type) {
		case map[string]any:
			maps = append(maps, k)
		case []any:
			if tableRows(v) != nil {
				lists = append(lists, k)
			} else {
				scalars = append(scalars, k)
			}
		default:
			scalars = append(scalars, k)
		}
	}
	var out []string
	for _, k := range scalars {
		out = append(out, kv(st, k, cell(ev[k], w), w))
	}
	for _, k := range trees {
		out = append(out, chainLines(st, k, chains[k], w)...)
	}
	for _, k := range maps {
		out = append(out, st.Bold.Render(text.Trunc(text.Sanitize(k)+":", w)))
		m := ev[k].(map[string]any)
		for _, sk := range sortedKeys(m) {
			out = append(out, "  "+kv(st, sk, cell(m[sk], w), w-2))
		}
	}
	for _, k := range lists {
		rows := tableRows(ev[k].([]any))
		if k == "processlist" {
			sortByTime(rows)
		}
		out = append(out, st.Bold.Render(text.Trunc(fmt.Sprintf("%s (%d):", text.Sanitize(k), len(rows)), w)))
		out = append(out, Table(st, rows, w)...)
	}
	return out
}

func kv(st *common.Styles, k, v string, w int) string {
	return text.Trunc(st.Dim.Render(text.Sanitize(k)+":")+" "+v, w)
}

// tableRows returns the list's elements as maps when every one is a map
// (and there is at least one), else nil.
func tableRows(l []any) []map[string]any {
	if len(l) == 0 {
		return nil
	}
	rows := make([]map[string]any, len(l))
	for i, v := range l {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		rows[i] = m
	}
	return rows
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cell formats one value on one line, sanitised; nested values are
// summarised and truncated.
func cell(v any, w int) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		return text.Sanitize(x)
	case float64:
		if x == float64(int64(x)) && x < 1e15 && x > -1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		s := strconv.FormatFloat(x, 'f', 3, 64)
		return strings.TrimRight(strings.TrimRight(s, "0"), ".")
	case bool:
		return strconv.FormatBool(x)
	case []any:
		if len(x) == 0 {
			return "none"
		}
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, cell(e, w))
		}
		return text.Trunc(strings.Join(parts, ", "), max(w, 10))
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, text.Sanitize(k)+": "+cell(x[k], 20))
		}
		return text.Trunc("{"+strings.Join(parts, ", ")+"}", min(max(w, 10), 40))
	}
	return text.Sanitize(fmt.Sprint(v))
}

// known orders the columns docs/contracts.md names for lock waits (what decides a
// kill first), the lock chain's nodes, then top processes and DNS answers.
var known = []string{"waiting_thread", "blocking_thread", "wait_seconds", "blocking_query", "blocking_activity",
	"blocking_trx_age_seconds", "blocking_rows_modified", "waiting_query",
	"thread", "activity", "trx_age_seconds", "rows_modified", "blocked_total", // lock_waits chain nodes
	"pid", "name", "user", "cpu_percent", "memory_percent", "resolver", "type", "value", "ttl"}

// rank orders columns: known ones first in their order, then identifiers,
// numbers, text, and long text (SQL, messages).
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
	for _, s := range []string{"thread", "id", "pid", "name", "host", "address", "instance", "mount", "resolver", "state"} {
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

// longText reports a column of free text (SQL, messages): it gets the room
// that is left and may be cut short.
func longText(k string) bool {
	l := strings.ToLower(k)
	for _, s := range []string{"query", "sql", "command", "info", "body", "message", "error", "text"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// minText is the narrowest a long-text column is drawn.
const minText = 16

// Table draws rows of maps as a table at most w cells wide: the columns in
// rank order as many as fit (the rest are named below it), one line per row
// (at most maxTableRows), long text columns sharing the room that is left.
func Table(st *common.Styles, rows []map[string]any, w int) []string {
	seen := map[string]bool{}
	var cols []string
	for _, r := range rows {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	sort.SliceStable(cols, func(i, j int) bool {
		ri, rj := rank(cols[i], rows), rank(cols[j], rows)
		if ri != rj {
			return ri < rj
		}
		return cols[i] < cols[j]
	})
	shown := rows[:min(len(rows), maxTableRows)]
	natural := map[string]int{}
	for _, k := range cols {
		natural[k] = text.Width(text.Sanitize(k))
		for _, r := range shown {
			if v, ok := r[k]; ok {
				natural[k] = max(natural[k], text.Width(cell(v, 60)))
			}
		}
		natural[k] = min(natural[k], 60)
	}
	// keep columns in rank order while their minimum widths fit
	var keep, hidden []string
	used := 0
	for _, k := range cols {
		need := natural[k]
		if longText(k) {
			need = min(need, minText)
		}
		if len(keep) > 0 {
			need += 2
		}
		if used+need > w && len(keep) > 0 {
			hidden = append(hidden, k)
			continue
		}
		keep = append(keep, k)
		used += need
	}
	// long text goes last and shares what is left
	sort.SliceStable(keep, func(i, j int) bool { return !longText(keep[i]) && longText(keep[j]) })
	widths := make([]int, len(keep))
	var texts []int
	for c, k := range keep {
		widths[c] = natural[k]
		if longText(k) {
			widths[c] = min(natural[k], minText)
			texts = append(texts, c)
		}
	}
	spare := w - (len(keep)-1)*2
	for _, v := range widths {
		spare -= v
	}
	for spare > 0 && len(texts) > 0 { // grow text columns round-robin up to their natural width
		grew := false
		for _, c := range texts {
			if spare > 0 && widths[c] < natural[keep[c]] {
				widths[c]++
				spare--
				grew = true
			}
		}
		if !grew {
			break
		}
	}
	line := func(vals []string, style func(string) string) string {
		var b strings.Builder
		for c, v := range vals {
			if c > 0 {
				b.WriteString("  ")
			}
			b.WriteString(style(text.Fit(v, widths[c])))
		}
		return text.Trunc(strings.TrimRight(b.String(), " "), w)
	}
	head := make([]string, len(keep))
	for c, k := range keep {
		head[c] = text.Sanitize(k)
	}
	hs := st.Bold.Underline(true)
	out := []string{line(head, func(s string) string { return hs.Render(s) })}
	for _, r := range shown {
		vals := make([]string, len(keep))
		for c, k := range keep {
			if v, ok := r[k]; ok {
				vals[c] = cell(v, 60)
			}
		}
		out = append(out, line(vals, func(s string) string { return s }))
	}
	if len(rows) > len(shown) {
		out = append(out, st.Dim.Render(fmt.Sprintf("… %d more", len(rows)-len(shown))))
	}
	if len(hidden) > 0 {
		var hn []string
		for _, k := range hidden {
			hn = append(hn, text.Sanitize(k))
		}
		out = append(out, st.Dim.Render(text.Trunc("not shown (widen the terminal): "+strings.Join(hn, ", "), w)))
	}
	return out
}
