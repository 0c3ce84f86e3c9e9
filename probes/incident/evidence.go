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

// evidenceOf is r's evidence as an ev. The shapes probes write (numbers,
// strings, flags, maps and lists of them) are converted directly; anything
// else (typed rows) goes through a JSON round trip, which for ten thousand
// failing checks was most of what a diagnosis cost.
func evidenceOf(r probes.Result) ev {
	if len(r.Evidence) == 0 {
		return ev{}
	}
	if m, ok := plainMap(r.Evidence, 0); ok {
		return m
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

// plainMap converts m to JSON shapes without encoding it, or reports that
// it holds a value only a JSON round trip can convert.
func plainMap(m map[string]any, depth int) (map[string]any, bool) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		x, ok := jsonShape(v, depth+1)
		if !ok {
			return nil, false
		}
		out[k] = x
	}
	return out, true
}

// jsonShape is v in a JSON shape, as encoding and decoding it would give: every
// number a float64, every list []any, every object map[string]any.
func jsonShape(v any, depth int) (any, bool) {
	if depth > 8 {
		return nil, false
	}
	switch v := v.(type) {
	case nil, string, bool:
		return v, true
	case float64:
		return v, !math.IsNaN(v) && !math.IsInf(v, 0)
	case float32:
		return float64(v), !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	case map[string]any:
		return plainMap(v, depth)
	case []any:
		return plainList(v, depth)
	case []string:
		return plainList(v, depth)
	case []float64:
		return plainList(v, depth)
	case []int:
		return plainList(v, depth)
	case []map[string]any:
		return plainList(v, depth)
	}
	return nil, false
}

// plainList converts a list element by element.
func plainList[T any](l []T, depth int) (any, bool) {
	if l == nil {
		return nil, true // JSON null
	}
	out := make([]any, len(l))
	for i, x := range l {
		y, ok := jsonShape(x, depth+1)
		if !ok {
			return nil, false
		}
		out[i] = y
	}
	return out, true
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
