package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
)

// adviser writes the built-in advice for one kind of cause. It reads the
// cause's evidence (and the other failing checks of its component) and
// offers actions through offer, which keeps only those enabled.
type adviser func(c cause) []Advice

// cause is what an adviser reads.
type cause struct {
	r      probes.Result
	ev     ev
	others []probes.Result // the component's other failing checks
	topo   *Topology
}

// offer is advice with an action when the component enables it; otherwise
// the text stands alone, saying the action is not configured there.
func (c cause) offer(a Action, text string) Advice {
	if c.topo.Enabled(c.r.Component, a) {
		return Advice{Text: text, Action: a}
	}
	return Advice{Text: text + fmt.Sprintf(" (no %s action is enabled on %s)", strings.ReplaceAll(string(a), "_", " "), c.r.Component)}
}

func say(format string, args ...any) Advice { return Advice{Text: fmt.Sprintf(format, args...)} }

// knowledge is the table of built-in advice, keyed "kind/check"; "*/check"
// serves every kind yielding that check (the host checks come from host,
// node_exporter and prometheus alike). docs/diagnosis.md lists it in words.
var knowledge = map[string]adviser{
	"tcp/connect":             tcpConnect,
	"tcp/ports":               tcpPorts,
	"icmp/ping":               ping,
	"dns/resolve":             dnsResolve,
	"http/reachability":       httpReach,
	"http/status":             httpStatus,
	"metrics/error_rate":      errorRate,
	"metrics/latency":         latency,
	"metrics/pool":            pool,
	"metrics/circuit_breaker": breaker,
	"nginx/upstream_errors":   upstream,
	"nginx/connections":       nginxConns,
	"systemd/unit":            unit,
	"mysql/connections":       mysqlConnections,
	"mysql/lock_waits":        lockWaits,
	"mysql/deadlocks":         deadlocks,
	"mysql/long_transactions": longTrx,
	"mysql/history_length":    history,
	"mysql/replication":       replication,
	"mysql/read_only":         readOnly,
	"mysql/fragmentation":     fragmentation,
	"mysql/auth_failures":     authFailures,
	"redis/clients":           redisClients,
	"redis/rejected":          redisClients,
	"redis/memory":            redisMemory,
	"redis/evictions":         redisMemory,
	"redis/replication":       redisReplication,
	"*/certificate":           certificate,
	"*/cpu":                   cpu,
	"*/memory":                memory,
	"*/swap":                  memory,
	"*/oom":                   memory,
	"*/load":                  cpu,
	"*/disk":                  disk,
	"*/inodes":                disk,
	"*/iops":                  iops,
	"*/fds":                   fds,
	"*/sockets":               sockets,
	"*/instances":             instances,
}

// corruptionWords are evidence of lost or corrupt data, in lower case: the
// only case where restoring from a backup is advised.
var corruptionWords = []string{"corrupt", "marked as crashed", "incorrect key file", "checksum mismatch", "doesn't exist in engine", "data loss", "lost data"}

// corruption matches text against corruptionWords, ignoring case. It is a
// plain substring search, not a case-insensitive regexp: every failing
// check's texts are read, ten thousand of them in a large estate, and the
// regexp was most of the time a diagnosis took there.
var corruption = corruptionMatcher{}

type corruptionMatcher struct{}

// MatchString reports whether s holds one of corruptionWords.
func (corruptionMatcher) MatchString(s string) bool {
	if s == "" {
		return false
	}
	lower := strings.ToLower(s)
	for _, w := range corruptionWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// RestoreAdvice is the runbook's last leaf, given only on evidence of lost or
// corrupt data; triage never automates it.
const RestoreAdvice = "restore the affected data from the last good backup and replay the binary logs to the point of failure (guidance only: triage never automates a restore)"

// Advise returns the advice for a root cause: the component's configured
// advice first, then the built-in advice for the check (unless the config
// replaces it). others are the component's failing checks.
func Advise(r probes.Result, others []probes.Result, topo *Topology) []Advice {
	c := cause{r: r, ev: evidenceOf(r), others: others, topo: topo}
	var out []Advice
	replaced := false
	if n := topo.node(r.Component); n != nil {
		for _, a := range n.Advice {
			if !matchesCheck(a.Check, r) {
				continue
			}
			replaced = replaced || a.Replace
			if a.Action != NoAction && !topo.Enabled(r.Component, a.Action) {
				out = append(out, Advice{Text: a.Text})
				continue
			}
			out = append(out, Advice{Text: a.Text, Action: a.Action})
		}
	}
	if !replaced {
		switch {
		case r.Status == probes.Unknown && r.Impact != probes.UserFacing:
			out = append(out, blind(c)...)
		default:
			if f := lookup(r); f != nil {
				out = append(out, f(c)...)
			} else {
				out = append(out, say("%s %s: read the drill-down's evidence for %s", r.ID, r.Status, r.Component))
			}
		}
		if corrupted(r) {
			out = append(out, say(RestoreAdvice))
		}
	}
	return out
}

// corrupted reports whether a result's words say the data is damaged: its
// summary, its error or any text in its evidence. Numbers and flags in the
// evidence say nothing about corruption and are not turned into text.
func corrupted(r probes.Result) bool {
	if corruption.MatchString(r.Summary) || corruption.MatchString(r.Err) {
		return true
	}
	return textMatches(r.Evidence, 0)
}

// textMatches walks evidence for strings the corruption words match, a
// few levels deep (evidence is tables of rows at most).
func textMatches(v any, depth int) bool {
	if depth > 4 {
		return false
	}
	switch v := v.(type) {
	case string:
		return corruption.MatchString(v)
	case error:
		return corruption.MatchString(v.Error())
	case fmt.Stringer:
		return corruption.MatchString(v.String())
	case map[string]any:
		for _, x := range v {
			if textMatches(x, depth+1) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if textMatches(x, depth+1) {
				return true
			}
		}
	case []string:
		for _, x := range v {
			if corruption.MatchString(x) {
				return true
			}
		}
	case []map[string]any:
		for _, x := range v {
			if textMatches(x, depth+1) {
				return true
			}
		}
	case map[string]string:
		for _, x := range v {
			if corruption.MatchString(x) {
				return true
			}
		}
	case nil, bool, int, int64, uint64, float64, []float64, []int64, time.Duration, time.Time:
	default: // a typed row or table: its text as fmt prints it
		return corruption.MatchString(fmt.Sprint(v))
	}
	return false
}

func lookup(r probes.Result) adviser {
	if f, ok := knowledge[r.Kind+"/"+r.Check]; ok {
		return f
	}
	return knowledge["*/"+r.Check]
}

func matchesCheck(pattern string, r probes.Result) bool {
	switch pattern {
	case "", "*":
		return true
	case r.Check, r.Kind + "/" + r.Check, r.Probe + "/" + r.Check, r.ID:
		return true
	}
	return false
}

// blind is the advice for a check that cannot see: fix the probe first.
func blind(c cause) []Advice {
	why := c.r.Err
	if why == "" {
		why = c.r.Summary
	}
	return []Advice{say("%s cannot measure (%s): fix the probe's access — network path, credentials, privileges — before trusting this component's other checks", c.r.ID, clip(why, 120))}
}
