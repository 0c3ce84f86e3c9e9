package drill

import (
	"encoding/json"
	"fmt"
	"slices"
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
//
// Its tables show their key columns always and the rest from the col-th on
// (EvidenceColumns says how far that can go).
func Evidence(st *common.Styles, ev map[string]any, w, col int) []string {
	lines, _ := evidence(st, ev, w, col)
	return lines
}

// EvidenceColumns is how far ←/→ can scroll the evidence's tables at width
// w: the most any of them can.
func EvidenceColumns(st *common.Styles, ev map[string]any, w int) int {
	_, cols := evidence(st, ev, w, 0)
	return cols
}

func evidence(st *common.Styles, ev map[string]any, w, col int) ([]string, int) {
	if len(ev) == 0 {
		return []string{st.Dim.Render("no evidence")}, 0
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
	if len(trees) == 1 {
		scalars = foldRoots(scalars, ev, chains[trees[0]])
	}
	var out []string
	cols := 0
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
		lines, n := Table(st, rows, w, col)
		out = append(out, lines...)
		cols = max(cols, n)
	}
	return out, cols
}

// foldRoots drops the root_blockers scalar when the chain's heading names
// the same threads (chainLines): one line less before the waits table.
func foldRoots(scalars []string, ev map[string]any, roots []chainNode) []string {
	ids := make([]string, len(roots))
	for i, r := range roots {
		ids[i] = r.thread
	}
	if len(roots) > maxHeadRoots || cell(ev["root_blockers"], 200) != strings.Join(ids, ", ") {
		return scalars
	}
	return slices.DeleteFunc(scalars, func(k string) bool { return k == "root_blockers" })
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
