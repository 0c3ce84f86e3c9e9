package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/incident"
)

// encoderBytes is what json.Encoder with SetIndent("", "  ") writes for v:
// the contract JSON keeps, byte for byte.
func encoderBytes(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	return b.Bytes()
}

func TestJSONBytesAreTheEncoders(t *testing.T) {
	rep := Build("invoice-prod", t0, sample(), incident.NewTopology([]incident.Node{{Name: "api", Core: true, DependsOn: []string{"db"}}, {Name: "db"}}))
	var got bytes.Buffer
	require.NoError(t, JSON(&got, rep))
	assert.Equal(t, string(encoderBytes(t, rep)), got.String())
}

func TestWriteIndented(t *testing.T) {
	tests := []struct {
		name string
		v    any
	}{
		{"empty object and array stay closed", map[string]any{"a": map[string]any{}, "b": []int{}, "c": nil}},
		{"nested", map[string]any{"x": []any{1, []any{2, map[string]any{"y": []any{}}}, "z"}}},
		{"punctuation and escapes in strings", map[string]any{`k{[":,]}`: `v "quoted" \ back\slash {[,:]} <html> & ` + "\x1b\n\t"}},
		{"a string ending in a backslash", []string{`a\`, `\\`, `"`}},
		{"scalars", []any{true, false, nil, 1.5, -3, "s"}},
		{"a bare string", "just a string"},
		{"empty", map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compact, err := json.Marshal(tt.v)
			require.NoError(t, err)
			var b bytes.Buffer
			w := bufio.NewWriter(&b)
			writeIndented(w, compact, "  ")
			require.NoError(t, w.WriteByte('\n'))
			require.NoError(t, w.Flush())
			assert.Equal(t, string(encoderBytes(t, tt.v)), b.String())
		})
	}
}
