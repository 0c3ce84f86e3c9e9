package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Update rewrites the golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Assert compares got with testdata/name.golden (trailing spaces of each
// line trimmed, so editors cannot break the files).
func Assert(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	got = trim(got)
	if *Update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test ./tui/... -update")
	assert.Equal(t, string(want), got, "golden %s differs: inspect, then go test ./tui/... -update", path)
}

func trim(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}
