package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func TestHostRun(t *testing.T) {
	p, err := HostKind.New(probes.Spec{Kind: "host"})
	require.NoError(t, err)
	h := p.(*Host)
	assert.Equal(t, HostChecks, h.Checks())

	first := byCheck(runWithin(h, 3*time.Second))
	require.Len(t, first, len(HostChecks))
	for _, c := range []string{CheckCPU, CheckIOPS, CheckOOM} {
		assert.Equal(t, probes.Unknown, first[c].Status, "%s is a rate: %s", c, first[c].Summary)
		assert.Contains(t, first[c].Summary, "first sample")
	}
	for _, c := range []string{CheckMemory, CheckSwap, CheckLoad, CheckDisk, CheckInodes, CheckFDs, CheckSockets} {
		assert.NotEqual(t, probes.Unknown, first[c].Status, "%s is a gauge, known at once: %s (%s)", c, first[c].Summary, first[c].Err)
		assert.NotNil(t, first[c].Value, c)
	}
	assert.NotEmpty(t, first[CheckMemory].Evidence["top_memory"])
	assert.NotEmpty(t, first[CheckDisk].Evidence["mounts"])

	time.Sleep(200 * time.Millisecond)
	second := byCheck(runWithin(h, 3*time.Second))
	for _, r := range second {
		assert.NotEqual(t, probes.Unknown, r.Status, "%s: %s (%s)", r.Check, r.Summary, r.Err)
		assert.Equal(t, probes.Server, r.Layer)
	}
	ev := second[CheckCPU].Evidence
	assert.Contains(t, ev, "top_cpu")
	assert.Greater(t, ev["cores"], 0)
}

func TestHostRunHonoursDeadline(t *testing.T) {
	h := NewHost(probes.Spec{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	rs := h.Run(ctx)
	grace.Within(t, time.Since(start), 0, "an already cancelled round")
	assert.Len(t, rs, len(HostChecks))
}

// writeProc makes a fake /proc with the given processes (pid → stat ticks, rss pages).
func writeProc(t *testing.T, root string, procs map[int][2]uint64) {
	t.Helper()
	for pid, v := range procs {
		dir := filepath.Join(root, fmt.Sprint(pid))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		stat := fmt.Sprintf("%d (proc%d) S 1 1 1 0 -1 0 0 0 0 0 %d 0 0 0 20 0 1 0 %d 1000 %d 0 0", pid, pid, v[0], 100+pid, v[1])
		require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
		cmd := fmt.Sprintf("/bin/proc%d\x00--password=hunter2\x00", pid)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "cmdline"), []byte(cmd), 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "self"), 0o755)) // not a pid: skipped
}

func TestProcTable(t *testing.T) {
	root := t.TempDir()
	tbl := newProcTable(root)
	writeProc(t, root, map[int][2]uint64{10: {100, 5}, 20: {100, 50}, 30: {100, 1}})
	top, mem, err := tbl.sample(context.Background(), t0)
	require.NoError(t, err)
	assert.Nil(t, top, "no CPU rate from one sample")
	require.Len(t, mem, 3)
	assert.Equal(t, int32(20), mem[0].PID)
	assert.Equal(t, uint64(50*os.Getpagesize()), mem[0].RSSBytes)
	assert.Equal(t, "/bin/proc20 --password=***", mem[0].Cmdline)

	// One second later: pid 10 used 50 ticks (50% of a core), pid 30 none.
	writeProc(t, root, map[int][2]uint64{10: {150, 5}, 20: {110, 50}, 30: {100, 1}})
	top, _, err = tbl.sample(context.Background(), t0.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, top, 2, "idle processes are not listed")
	assert.Equal(t, int32(10), top[0].PID)
	assert.InDelta(t, 50, top[0].CPUPercent, 0.01)
	assert.InDelta(t, 10, top[1].CPUPercent, 0.01)
	assert.False(t, strings.Contains(top[0].Cmdline, "hunter2"))
}

// BenchmarkHostRun measures one full local sample and its grading.
func BenchmarkHostRun(b *testing.B) {
	h := NewHost(probes.Spec{})
	ctx := context.Background()
	h.Run(ctx)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.Run(ctx)
	}
}

// TestProcTableCmdlineReused: a listed process's command line is read once
// and reused for cmdlineEvery; a process that rewrote it shows the new one
// after that, and a new process with an old pid never gets the old line.
func TestProcTableCmdlineReused(t *testing.T) {
	root := t.TempDir()
	tbl := newProcTable(root)
	writeProc(t, root, map[int][2]uint64{10: {100, 5}})
	setCmdline := func(s string) {
		require.NoError(t, os.WriteFile(filepath.Join(root, "10", "cmdline"), []byte(s), 0o644))
	}
	setCmdline("nginx: master process\x00")
	_, mem, err := tbl.sample(context.Background(), t0)
	require.NoError(t, err)
	require.Equal(t, "nginx: master process", mem[0].Cmdline)

	setCmdline("nginx: worker process\x00")
	_, mem, err = tbl.sample(context.Background(), t0.Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, "nginx: master process", mem[0].Cmdline, "reused while fresh")

	_, mem, err = tbl.sample(context.Background(), t0.Add(cmdlineEvery+time.Second))
	require.NoError(t, err)
	assert.Equal(t, "nginx: worker process", mem[0].Cmdline, "read again once stale")

	// pid 10 exits and a new process takes its pid: another start time.
	stat := "10 (sh) S 1 1 1 0 -1 0 0 0 0 0 1 0 0 0 20 0 1 0 999 1000 5 0 0"
	require.NoError(t, os.WriteFile(filepath.Join(root, "10", "stat"), []byte(stat), 0o644))
	setCmdline("/bin/sh\x00-c\x00true\x00")
	_, mem, err = tbl.sample(context.Background(), t0.Add(cmdlineEvery+2*time.Second))
	require.NoError(t, err)
	assert.Equal(t, "/bin/sh -c true", mem[0].Cmdline, "a new process with the same pid")
}

// TestHostTopListsReused: while cpu and memory are ok the process lists
// are read every topEvery and reused in between, with their age in the
// evidence; once either check is not ok they are read every round.
func TestHostTopListsReused(t *testing.T) {
	never := probes.Above(1e9, 1e9)
	calm := NewHost(probes.Spec{Thresholds: map[string]probes.Threshold{CheckCPU: never, CheckMemory: never}})
	ctx := context.Background()
	run := func(h *Host) []probes.Result {
		time.Sleep(30 * time.Millisecond) // the CPU counters advance in 10 ms ticks
		return h.Run(ctx)
	}
	calm.Run(ctx) // no CPU rates yet
	run(calm)     // the first CPU list
	rs := run(calm)
	byCheck := func(rs []probes.Result, name string) probes.Result {
		for _, r := range rs {
			if r.Check == name {
				return r
			}
		}
		t.Fatalf("no %s result", name)
		return probes.Result{}
	}
	cpu, mem := byCheck(rs, CheckCPU), byCheck(rs, CheckMemory)
	require.Equal(t, probes.OK, cpu.Status, cpu.Summary)
	assert.Contains(t, cpu.Evidence, "top_cpu")
	assert.Contains(t, cpu.Evidence, "top_age_s", "reused within topEvery")
	assert.Contains(t, mem.Evidence, "top_age_s")

	calm.top.at = calm.top.at.Add(-topEvery)
	rs = run(calm)
	assert.NotContains(t, byCheck(rs, CheckCPU).Evidence, "top_age_s", "read again once stale")

	always := probes.Above(-1, -1) // every CPU reading is crit
	hot := NewHost(probes.Spec{Thresholds: map[string]probes.Threshold{CheckCPU: always}})
	hot.Run(ctx)
	run(hot)
	rs = run(hot)
	cpu = byCheck(rs, CheckCPU)
	require.Equal(t, probes.Crit, cpu.Status, cpu.Summary)
	assert.Contains(t, cpu.Evidence, "top_cpu")
	assert.NotContains(t, cpu.Evidence, "top_age_s", "read every round while cpu is not ok")
}
