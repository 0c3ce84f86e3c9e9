package incident

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// ev is a result's evidence normalised to JSON shapes (numbers float64,
// lists []any, objects map[string]any), so the knowledge table reads live
// evidence and replayed evidence the same way.
type ev map[string]any

func evidenceOf(r probes.Result) ev {
	if len(r.Evidence) == 0 {
		return ev{}
	}
	b, err := json.Marshal(r.Evidence)
	if err != nil {
		return ev{}
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return ev{}
	}
	return m
}

func (e ev) num(key string) (float64, bool) {
	v, ok := e[key].(float64)
	return v, ok && !math.IsNaN(v)
}

func (e ev) str(key string) string {
	switch v := e[key].(type) {
	case string:
		return v
	case float64:
		return trimNum(v)
	case bool:
		return fmt.Sprint(v)
	}
	return ""
}

func (e ev) list(key string) []ev {
	raw, _ := e[key].([]any)
	out := make([]ev, 0, len(raw))
	for _, x := range raw {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func (e ev) obj(key string) ev {
	m, _ := e[key].(map[string]any)
	return m
}

// nums reads a list of numbers (root_blockers).
func (e ev) nums(key string) []float64 {
	raw, _ := e[key].([]any)
	var out []float64
	for _, x := range raw {
		if f, ok := x.(float64); ok {
			out = append(out, f)
		}
	}
	return out
}

// counts reads an object of name → count, largest first.
func (e ev) counts(key string) []kv {
	m := e.obj(key)
	out := make([]kv, 0, len(m))
	for k, v := range m {
		if f, ok := v.(float64); ok {
			out = append(out, kv{k, f})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].k < out[j].k
	})
	return out
}

type kv struct {
	k string
	n float64
}

func topList(items []kv, n int) string {
	var parts []string
	for i, it := range items {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", it.k, trimNum(it.n)))
	}
	return strings.Join(parts, ", ")
}

func trimNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// clip keeps estate text (SQL, command lines) short and on one line; the
// screen sanitises it again before drawing.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
