package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/record"
)

// TestReplayRefusesBadFiles: every way a replay cannot start is exit 3,
// before the screen opens.
func TestReplayRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	f, err := os.Create(good)
	require.NoError(t, err)
	rec, err := record.NewRecorder(f, record.NewHeader(&config.Config{Estate: "e"}, "LIVE", "test", time.Now()), nil)
	require.NoError(t, err)
	require.NoError(t, rec.Frame(probes.Snapshot{Time: time.Now()}))
	require.NoError(t, f.Close())
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	tests := []struct {
		name string
		args []string
	}{
		{"no file", []string{"replay"}},
		{"missing", []string{"replay", filepath.Join(dir, "missing.jsonl")}},
		{"truncated", []string{"replay", write("cut.jsonl", data[:len(data)-5])}},
		{"garbled", []string{"replay", write("garbled.jsonl", append(append([]byte{}, data...), "{nope\n"...))}},
		{"not a recording", []string{"replay", write("other.jsonl", []byte("{\"estate\":\"x\"}\n"))}},
		{"bad speed", []string{"replay", "--speed", "-2", good}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, 3, run(tt.args))
		})
	}
}
