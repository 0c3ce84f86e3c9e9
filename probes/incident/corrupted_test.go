package incident

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/probes"
)

// TestCorruptedReadsEveryText: the corruption words are found wherever the
// evidence keeps text — nested maps, rows, typed rows — and never in a
// result whose words say nothing of damaged data.
func TestCorruptedReadsEveryText(t *testing.T) {
	type channel struct {
		Name      string
		LastError string
	}
	tests := []struct {
		name string
		r    probes.Result
		want bool
	}{
		{"summary", probes.Result{Summary: "Table './shop/invoice' is marked as crashed"}, true},
		{"error", probes.Result{Err: "InnoDB: checksum mismatch in page 7"}, true},
		{"nested map", probes.Result{Evidence: map[string]any{"latest": map[string]any{"error": "Incorrect key file for table"}}}, true},
		{"rows", probes.Result{Evidence: map[string]any{"channels": []map[string]any{{"last_sql_error": "Table 'x' doesn't exist in engine"}}}}, true},
		{"typed rows", probes.Result{Evidence: map[string]any{"channels": []channel{{Name: "", LastError: "data loss on relay log"}}}}, true},
		{"numbers and flags", probes.Result{Summary: "connections 151/151", Evidence: map[string]any{"max": 151, "ratio": 1.0, "flood": true}}, false},
		{"ordinary error", probes.Result{Err: "dial tcp 127.0.0.1:3306: connect: connection refused",
			Evidence: map[string]any{"processlist": []map[string]any{{"info": "SELECT * FROM invoice"}}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, corrupted(tt.r))
		})
	}
}
