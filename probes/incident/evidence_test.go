package incident

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// TestEvidenceOfAsJSON: evidence converted directly reads exactly as it
// does after a JSON round trip, for every shape probes write; typed rows
// still take the round trip, as does a NaN (which cannot be encoded).
func TestEvidenceOfAsJSON(t *testing.T) {
	type row struct {
		Port int    `json:"port"`
		Got  string `json:"got"`
	}
	roundTrip := func(m map[string]any) ev {
		b, err := json.Marshal(m)
		require.NoError(t, err)
		var out map[string]any
		require.NoError(t, json.Unmarshal(b, &out))
		return out
	}
	for name, m := range map[string]map[string]any{
		"numbers": {"a": 1, "b": int64(2), "c": uint64(3), "d": 1.5, "e": float32(0.5), "f": int32(-4), "g": uint(5), "h": uint32(6)},
		"texts":   {"s": "x", "t": true, "n": nil},
		"nested":  {"m": map[string]any{"k": []any{1, "two", map[string]any{"z": 3}}}},
		"lists":   {"s": []string{"a"}, "f": []float64{1, 2}, "i": []int{3}, "rows": []map[string]any{{"port": 1}}, "none": []string(nil)},
		"typed":   {"rows": []row{{Port: 22, Got: "open"}}},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, roundTrip(m), evidenceOf(probes.Result{Evidence: m}))
		})
	}
	// A NaN cannot be encoded: the round trip gave nothing at all.
	got := evidenceOf(probes.Result{Evidence: map[string]any{"v": math.NaN(), "w": 1}})
	assert.Equal(t, ev{}, got)
}
