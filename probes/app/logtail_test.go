package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func readLines(t *testing.T, l *logFollower) []string {
	t.Helper()
	var got []string
	require.NoError(t, l.read(func(b []byte) { got = append(got, string(b)) }))
	return got
}

func TestLogFollower(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "error.log")
	appendFile(t, path, "old 1\nold 2\n")
	l := &logFollower{path: path}
	t.Cleanup(func() { _ = l.close() })

	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{name: "first open starts at the end", do: func() {}, want: nil},
		{name: "appended lines", do: func() { appendFile(t, path, "a\nb\r\n") }, want: []string{"a", "b"}},
		{name: "nothing new", do: func() {}, want: nil},
		{name: "partial line waits", do: func() { appendFile(t, path, "half") }, want: nil},
		{name: "partial line completed", do: func() { appendFile(t, path, " line\nc\n") }, want: []string{"half line", "c"}},
		{name: "rotation: rename, old file still written, new file created", do: func() {
			require.NoError(t, os.Rename(path, path+".1"))
			appendFile(t, path+".1", "late in old\n")
			appendFile(t, path, "new 1\n")
		}, want: []string{"late in old", "new 1"}},
		{name: "renamed away, not yet recreated: old file still read", do: func() {
			require.NoError(t, os.Rename(path, path+".2"))
			appendFile(t, path+".2", "still old\n")
		}, want: []string{"still old"}},
		{name: "recreated", do: func() { appendFile(t, path, "fresh\n") }, want: []string{"fresh"}},
		{name: "truncated and rewritten past the old end", do: func() {
			require.NoError(t, os.Truncate(path, 0))
			appendFile(t, path, "after truncate\n")
		}, want: []string{"after truncate"}},
		{name: "truncated shorter", do: func() {
			require.NoError(t, os.Truncate(path, 0))
			appendFile(t, path, "z\n")
		}, want: []string{"z"}},
		{name: "long line cut", do: func() { appendFile(t, path, strings.Repeat("x", 3*maxLogLineBytes)+"\nshort\n") },
			want: []string{strings.Repeat("x", maxLogLineBytes), "short"}},
	}
	for _, s := range steps {
		s.do()
		assert.Equal(t, s.want, readLines(t, l), s.name)
	}
	assert.Equal(t, 2, l.Rotations)
	assert.Equal(t, 2, l.Truncations)
}

func TestLogFollowerFallsBehind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	appendFile(t, path, "")
	l := &logFollower{path: path}
	t.Cleanup(func() { _ = l.close() })
	assert.Empty(t, readLines(t, l))
	line := strings.Repeat("y", 99) + "\n"
	appendFile(t, path, strings.Repeat(line, (maxLogReadPerRound/len(line))*2)+"last\n")
	got := readLines(t, l)
	assert.Positive(t, l.SkippedBytes)
	assert.LessOrEqual(t, len(got)*len(line), maxLogReadPerRound)
	assert.Equal(t, "last", got[len(got)-1])
	assert.Equal(t, strings.TrimSuffix(line, "\n"), got[0], "the fragment before the first newline is dropped")
}

func TestLogFollowerMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	l := &logFollower{path: path}
	require.ErrorIs(t, l.read(func([]byte) {}), os.ErrNotExist)
	appendFile(t, path, "created later\n")
	assert.Equal(t, []string{"created later"}, readLines(t, l), "a file that appears later is read from its start")
	_ = l.close()

	dir := &logFollower{path: t.TempDir()}
	err := dir.read(func([]byte) {})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")
}
