package redis

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// info is INFO's field:value pairs; unknown fields are kept and ignored.
type info map[string]string

// parseInfo reads INFO output: "# Section" headers, "field:value" lines.
func parseInfo(s string) info {
	m := info{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if ok {
			m[k] = v
		}
	}
	return m
}

// num is a numeric field; ok is false when absent or not a number.
func (in info) num(k string) (float64, bool) {
	v, ok := in[k]
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// n is num without the flag.
func (in info) n(k string) float64 {
	f, _ := in.num(k)
	return f
}

// kv parses "a=1,b=2" (slaveN lines, errorstat_X values).
func kv(s string) map[string]string {
	m := map[string]string{}
	for _, p := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(p, "="); ok {
			m[k] = v
		}
	}
	return m
}

// errorCount is errorstat_<name>'s count (Redis 6.2+), 0 when absent.
func (in info) errorCount(name string) float64 {
	f, _ := strconv.ParseFloat(kv(in["errorstat_"+name])["count"], 64)
	return f
}

// replicas lists a master's slaveN lines.
func (in info) replicas() []map[string]string {
	n := int(in.n("connected_slaves"))
	out := make([]map[string]string, 0, n)
	for i := 0; ; i++ {
		v, ok := in["slave"+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, kv(v))
	}
}

// clientEntry is one CLIENT LIST line, the fields we summarise.
type clientEntry struct {
	host  string
	cmd   string
	idle  int64
	age   int64
	flags string
}

func parseClientList(s string) []clientEntry {
	var out []clientEntry
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var e clientEntry
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "addr":
				e.host = v
				if i := strings.LastIndexByte(v, ':'); i >= 0 {
					e.host = v[:i]
				}
			case "cmd":
				e.cmd = v
			case "idle":
				e.idle, _ = strconv.ParseInt(v, 10, 64)
			case "age":
				e.age, _ = strconv.ParseInt(v, 10, 64)
			case "flags":
				e.flags = v
			}
		}
		out = append(out, e)
	}
	return out
}

// idleBuckets are the idle-time groups of the client summary.
var idleBuckets = []struct {
	name string
	max  int64 // seconds, exclusive
}{
	{"under_10s", 10}, {"10s_to_1m", 60}, {"1m_to_10m", 600}, {"10m_to_1h", 3600}, {"over_1h", 1 << 62},
}

type countedName struct {
	Name  string
	Count int
}

// top returns the n largest groups, most first, then by name.
func top(m map[string]int, n int) []map[string]any {
	l := make([]countedName, 0, len(m))
	for k, v := range m {
		l = append(l, countedName{k, v})
	}
	slices.SortFunc(l, func(a, b countedName) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
	if len(l) > n {
		l = l[:n]
	}
	out := make([]map[string]any, 0, len(l))
	for _, c := range l {
		out = append(out, map[string]any{"name": c.Name, "clients": c.Count})
	}
	return out
}

// summariseClients groups the client list by host, by last command and by
// idle time: "550 idle clients from one host" is the flood's signature.
func summariseClients(list []clientEntry) map[string]any {
	hosts, cmds, idle := map[string]int{}, map[string]int{}, map[string]int{}
	blocked := 0
	var maxIdle int64
	for _, c := range list {
		hosts[c.host]++
		cmds[c.cmd]++
		for _, b := range idleBuckets {
			if c.idle < b.max {
				idle[b.name]++
				break
			}
		}
		if strings.Contains(c.flags, "b") {
			blocked++
		}
		maxIdle = max(maxIdle, c.idle)
	}
	buckets := map[string]any{}
	for _, b := range idleBuckets {
		buckets[b.name] = idle[b.name]
	}
	return map[string]any{
		"total":            len(list),
		"by_host":          top(hosts, 10),
		"by_cmd":           top(cmds, 10),
		"idle":             buckets,
		"blocked":          blocked,
		"max_idle_seconds": maxIdle,
	}
}
