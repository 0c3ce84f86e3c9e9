package network

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/fivelayer/triage/probes"
)

// listenAt listens on ip:0 with backlog and returns the fd and the address.
func listenAt(b *testing.B, ip [4]byte, backlog int) (int, string) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(b, err)
	b.Cleanup(func() { _ = unix.Close(fd) })
	require.NoError(b, unix.Bind(fd, &unix.SockaddrInet4{Addr: ip}))
	require.NoError(b, unix.Listen(fd, backlog))
	sa, err := unix.Getsockname(fd)
	require.NoError(b, err)
	port := sa.(*unix.SockaddrInet4).Port
	return fd, fmt.Sprintf("%d.%d.%d.%d:%d", ip[0], ip[1], ip[2], ip[3], port)
}

// fill makes a backlog-0 listener silent: one connection waits in its
// accept queue, so the kernel drops every further SYN.
func fill(b *testing.B, addr string, ip [4]byte, port int) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	require.NoError(b, err)
	b.Cleanup(func() { _ = unix.Close(fd) })
	if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: ip, Port: port}); err != nil && err != unix.EINPROGRESS {
		b.Fatalf("fill %s: %v", addr, err)
	}
}

// cpuTime is the user and system CPU time the process has used: what a
// round costs whatever else the machine is doing.
func cpuTime() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// status reads a field such as VmRSS of /proc/self/status, in MiB.
func status(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return -1
}

// writeProfiles writes the heap and goroutine profiles in the middle of a
// round (a second in, while the silent targets wait) into the directory
// $TRIAGE_BENCH_PROFILES names, when it is set: where a round's memory goes
// (go tool pprof -sample_index=inuse_space heap.pprof).
func writeProfiles(b *testing.B) {
	dir := os.Getenv("TRIAGE_BENCH_PROFILES")
	if dir == "" {
		return
	}
	for _, name := range []string{"heap", "goroutine"} {
		f, err := os.Create(filepath.Join(dir, name+".pprof"))
		if err != nil {
			b.Error(err)
			return
		}
		if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
			b.Error(err)
		}
		_ = f.Close()
	}
}

// BenchmarkRound10000TCP is one scheduler round of 10,000 tcp probes, each
// of its own endpoint on 250 loopback addresses (127.20.0.1–250): a third
// open (a listener nobody accepts from), a third refused (no listener), a
// third silent (accept queue full), with a 2 s timeout and the default pool
// and per-address cap. It reports the slowest round against the timeout
// (the target is at most 1.25) and the process's resident memory.
func BenchmarkRound10000TCP(b *testing.B) {
	const n, timeout = 10000, 2 * time.Second
	before := runtime.NumGoroutine()
	var targets []probes.Target
	type silentFill struct {
		addr string
		ip   [4]byte
		port int
	}
	var fills []silentFill
	for i := range n {
		ip := [4]byte{127, 20, 0, byte(1 + i%250)}
		var addr string
		switch i % 3 {
		case 0:
			_, addr = listenAt(b, ip, 64)
		case 1:
			addr = fmt.Sprintf("127.21.0.%d:%d", 1+i%250, 10000+i) // nothing listens on 127.21/16
		case 2:
			var port int
			_, addr = listenAt(b, ip, 0)
			_, ps, _ := strings.Cut(addr, ":")
			port, _ = strconv.Atoi(ps)
			fills = append(fills, silentFill{addr, ip, port})
		}
		spec := probes.Spec{Kind: "tcp", Address: addr, Count: 1}
		p, err := NewTCP(spec)
		require.NoError(b, err)
		targets = append(targets, probes.Target{Component: "c" + strconv.Itoa(i), ProbeID: "tcp", Kind: "tcp",
			Probe: p, Timeout: timeout, Address: spec.Endpoint()})
	}
	for _, f := range fills {
		fill(b, f.addr, f.ip, f.port)
	}
	time.Sleep(200 * time.Millisecond) // let the fillers' handshakes land in the queues
	s := probes.NewScheduler(targets, probes.Options{Interval: time.Hour})
	b.ResetTimer()
	var worst time.Duration
	cpu0 := cpuTime()
	var stackPeak, heapPeak uint64
	goPeak := 0
	for range b.N {
		start := time.Now()
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() { // the round's memory at its fullest: sampled while it runs
			defer close(sampled)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			var ms runtime.MemStats
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
					runtime.ReadMemStats(&ms)
					stackPeak, heapPeak = max(stackPeak, ms.StackInuse), max(heapPeak, ms.HeapInuse)
					goPeak = max(goPeak, runtime.NumGoroutine())
					if i == 50 {
						writeProfiles(b)
					}
				}
			}
		}()
		snap := s.Round(context.Background())
		close(stop)
		<-sampled
		worst = max(worst, time.Since(start))
		crit := 0
		summaries := map[string]int{}
		for _, c := range snap.Checks {
			if c.Status == probes.Crit {
				crit++
			}
			if c.Status != probes.OK {
				summaries[c.Status.String()]++
			}
		}
		if crit < n*6/10 {
			b.Fatalf("want ≥ %d crit (refused + silent), got %d: %v", n*6/10, crit, summaries)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/round")
	b.ReportMetric(worst.Seconds(), "worst-s/round")
	b.ReportMetric(worst.Seconds()/timeout.Seconds(), "×timeout")
	b.ReportMetric(float64(stackPeak)/(1<<20), "stack-MiB")
	b.ReportMetric(float64(goPeak), "goroutines")
	b.ReportMetric(float64(heapPeak)/(1<<20), "heap-MiB")
	b.ReportMetric(status("VmRSS"), "rss-MiB")
	b.ReportMetric(status("VmHWM"), "peak-rss-MiB")
	b.ReportMetric(float64(probes.DefaultWorkers(n)), "workers")
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		b.Fatalf("goroutines left behind: before %d, after %d", before, g)
	}
}
