package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// TestHelperHoldsStore is the other process of TestTwoProcesses: it opens
// the store as writer, records an incident, says so and waits to be killed.
func TestHelperHoldsStore(t *testing.T) {
	path := os.Getenv("TRIAGE_STORE_HELPER")
	if path == "" {
		t.Skip("helper process of TestTwoProcesses")
	}
	s, err := Open(path, Options{Estate: "invoice", Environment: "staging"})
	require.NoError(t, err)
	require.False(t, s.ReadOnly())
	tr, err := s.Tracker(topo(), t0, time.Minute)
	require.NoError(t, err)
	tr.Update(results(probes.Crit), t0)
	s.Flush()
	fmt.Println("holding")
	select {} // until SIGKILL: the lock must go with the process, however it ends
}

func TestTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsStore$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TRIAGE_STORE_HELPER="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	held := false
	for sc.Scan() {
		if sc.Text() == "holding" {
			held = true
			break
		}
	}
	require.True(t, held, "the helper never held the store")

	s := open(t, path)
	assert.True(t, s.ReadOnly())
	assert.Contains(t, s.Notice(), fmt.Sprintf("(pid %d)", cmd.Process.Pid))
	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 1, "a reader sees the writer's open incident")
	assert.Equal(t, cacheCheck, list[0].RootCause)
	require.NoError(t, s.Close())

	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no deferred unlock runs
	_ = cmd.Wait()
	s = open(t, path)
	defer s.Close()
	assert.False(t, s.ReadOnly(), "the killed writer's lock went with it")
	tr, err := s.Tracker(topo(), t0.Add(time.Minute), time.Minute)
	require.NoError(t, err)
	st := tr.Update(nil, t0.Add(time.Minute))
	assert.True(t, st.Started.Equal(t0), "what the killed process wrote is resumed")
}
