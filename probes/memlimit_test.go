package probes

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSetMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })

	assert.Equal(t, int64(64<<20), MemoryLimit(0))
	assert.Equal(t, int64(64<<20+10000*4<<10), MemoryLimit(10000), "about 103 MiB at ten thousand checks")

	t.Setenv("GOMEMLIMIT", "")
	l, set := SetMemoryLimit(10000)
	assert.True(t, set)
	assert.Equal(t, MemoryLimit(10000), l)
	assert.Equal(t, l, debug.SetMemoryLimit(-1))

	t.Setenv("GOMEMLIMIT", "1GiB") // the operator's own limit wins
	debug.SetMemoryLimit(1 << 30)
	l, set = SetMemoryLimit(10000)
	assert.False(t, set)
	assert.Equal(t, int64(1<<30), l)
}
