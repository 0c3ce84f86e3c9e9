package drill

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// chainNode is one session of a lock-wait tree (mysql lock_waits evidence
// "chain"): a root blocker with what it holds, or a waiter with what it waits
// for, and the sessions waiting for it.
type chainNode struct {
	thread       string
	activity     string // roots: "idle in transaction 42 s", "running 3 s"
	rowsModified *float64
	user, host   string
	query        string
	waitSeconds  *float64 // waiters: how long it has waited
	blockedTotal *float64
	waiters      []chainNode
}

// maxChainNodes bounds the tree drawn; the rest is counted.
const maxChainNodes = 40

// maxHeadRoots is how many root blockers the chain's heading names.
const maxHeadRoots = 5

// parseChain reads a normalised list of chain nodes — the probe's snake_case
// maps, mysql.ChainNode structs (CamelCase keys) or a recording's decoded
// JSON alike — and reports false when the list is not one.
func parseChain(v any) ([]chainNode, bool) {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return nil, false
	}
	out := make([]chainNode, 0, len(l))
	for _, x := range l {
		n, ok := parseNode(x, 0)
		if !ok {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

func parseNode(v any, depth int) (chainNode, bool) {
	m, ok := v.(map[string]any)
	if !ok || depth > 20 {
		return chainNode{}, false
	}
	f := make(map[string]any, len(m))
	for k, x := range m {
		f[strings.ToLower(strings.ReplaceAll(k, "_", ""))] = x
	}
	th, ok := f["thread"].(float64)
	if !ok {
		return chainNode{}, false
	}
	ws, ok := f["waiters"].([]any)
	if !ok && f["waiters"] != nil {
		return chainNode{}, false
	}
	str := func(k string) string { s, _ := f[k].(string); return text.Sanitize(s) }
	num := func(k string) *float64 {
		if x, ok := f[k].(float64); ok {
			return &x
		}
		return nil
	}
	n := chainNode{thread: strconv.FormatFloat(th, 'f', -1, 64), activity: str("activity"), rowsModified: num("rowsmodified"),
		user: str("user"), host: str("host"), query: str("query"), waitSeconds: num("waitseconds"), blockedTotal: num("blockedtotal")}
	for _, w := range ws {
		c, ok := parseNode(w, depth+1)
		if !ok {
			return chainNode{}, false
		}
		n.waiters = append(n.waiters, c)
	}
	return n, true
}

// chainLines draws the tree, root blockers first, each waiter under what it
// waits for:
//
//	thread 4711 · idle in transaction 42 s · 12,408 rows modified · root@app-1 · blocks 3
//	├─ thread 4712 waits 14 s · blocks 1: UPDATE invoice …
//	│  └─ thread 4716 waits 6 s: DELETE FROM invoice_line …
//	└─ thread 4715 waits 3 s: SELECT * FROM invoice …
func chainLines(st *common.Styles, key string, roots []chainNode, w int) []string {
	head := fmt.Sprintf("%s (%d root blocker%s):", text.Sanitize(key), len(roots), plural(len(roots)))
	if len(roots) <= maxHeadRoots {
		ids := make([]string, len(roots))
		for i, r := range roots {
			ids[i] = r.thread
		}
		head = fmt.Sprintf("%s (%d root blocker%s: %s):", text.Sanitize(key), len(roots), plural(len(roots)), strings.Join(ids, ", "))
	}
	out := []string{st.Bold.Render(text.Trunc(head, w))}
	drawn, total := 0, 0
	var walk func(n chainNode, prefix, branch string, root bool)
	walk = func(n chainNode, prefix, branch string, root bool) {
		total++
		if drawn >= maxChainNodes {
			for _, c := range n.waiters {
				walk(c, "", "", false)
			}
			return
		}
		drawn++
		if root {
			out = append(out, rootLines(st, n, w)...)
		} else {
		}
		child := prefix
		switch branch {
		case "├─ ":
			child += "│  "
		case "└─ ":
			child += "   "
		}
		if !root {
			cont := child + "   "
			if len(n.waiters) > 0 {
				cont = child + "│  "
			}
			out = append(out, waiterLines(n, prefix+branch, cont, w)...)
		}
		for i, c := range n.waiters {
			b := "├─ "
			if i == len(n.waiters)-1 {
				b = "└─ "
			}
			walk(c, child, b, false)
		}
	}
	for _, r := range roots {
		walk(r, "", "", true)
	}
	if total > drawn {
		out = append(out, st.Dim.Render(fmt.Sprintf("… %d more sessions", total-drawn)))
	}
	return out
}

// rootLines is "thread 4711 · idle in transaction 42 s · 12,408 rows
// modified · root@app-1 · blocks 3", then the statement it runs, if any;
// what does not fit in w goes on indented lines, a part at a time, so that
// "blocks N" is never cut off.
func rootLines(st *common.Styles, n chainNode, w int) []string {
	parts := []string{st.Status[probes.Crit].Render("thread " + n.thread)}
	if n.activity != "" {
		parts = append(parts, n.activity)
	}
	if n.rowsModified != nil {
		parts = append(parts, grouped(*n.rowsModified)+" rows modified")
	}
	if who := userHost(n); who != "" {
		parts = append(parts, who)
	}
	if n.blockedTotal != nil {
		parts = append(parts, "blocks "+grouped(*n.blockedTotal))
	}
	if n.query != "" {
		parts = append(parts, n.query)
	}
	var out []string
	line := parts[0]
	for i, p := range parts[1:] {
		room := w - 2 // the " ·" that ends a line with more after it
		if i == len(parts)-2 {
			room = w
		}
		switch {
		case text.Width(line)+3+text.Width(p) <= room:
			line += " · " + p
		case text.Width(p) <= w-2:
			out = append(out, line+" ·")
			line = "  " + p
		default: // a long statement wraps on indented lines
			out = append(out, line+" ·")
			wrapped := wrapCell(p, w-2)
			for _, l := range wrapped[:len(wrapped)-1] {
				out = append(out, "  "+l)
			}
			line = "  " + wrapped[len(wrapped)-1]
		}
	}
	out = append(out, line)
	for i := range out {
		out[i] = text.Trunc(out[i], w)
	}
	return out
}

// waiterLines is a waiter's line after its branch, the statement wrapped
// on lines that keep the tree's rules: cont is the prefix of those lines.
func waiterLines(n chainNode, lead, cont string, w int) []string {
	lines := wrapCell(waiterLine(n), max(w-max(text.Width(lead), text.Width(cont)), 8))
	out := make([]string, len(lines))
	for i, l := range lines {
		p := lead
		if i > 0 {
			p = cont
		}
		out[i] = text.Trunc(p+l, w)
	}
	return out
}

// waiterLine is "thread 4712 waits 14 s: UPDATE invoice …", with "· blocks N"
// for a waiter others wait for in turn.
func waiterLine(n chainNode) string {
	s := "thread " + n.thread
	if n.waitSeconds != nil {
		s += " waits " + text.Number(*n.waitSeconds) + " s"
	}
	if n.blockedTotal != nil && *n.blockedTotal > 0 {
		s += " · blocks " + grouped(*n.blockedTotal)
	}
	if n.query != "" {
		s += ": " + n.query
	}
	return s
}

func userHost(n chainNode) string {
	switch {
	case n.user != "" && n.host != "":
		return n.user + "@" + n.host
	case n.user != "":
		return n.user
	}
	return n.host
}

// grouped formats a count with thousands separators: 12,408.
func grouped(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if v != float64(int64(v)) || v < 1000 && v > -1000 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// sortByTime orders process list rows by their time, longest first (rows
// without one last), keeping the probe's order among equals.
func sortByTime(rows []map[string]any) {
	t := func(r map[string]any) float64 {
		if v, ok := r["time"].(float64); ok {
			return v
		}
		return -1
	}
	sort.SliceStable(rows, func(i, j int) bool { return t(rows[i]) > t(rows[j]) })
}
