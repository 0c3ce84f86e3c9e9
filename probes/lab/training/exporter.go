package training

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// exporter is node_exporter's /metrics for invoice-api's instance, so the
// lab's server layer shows its own application instance and not the
// machine triage runs on: CPU is the instance's job threads against its
// 250m quota, memory this process's Go heap against a 1 GiB limit, load the
// instance's busy threads, file handles this process's against its limit.
// Disk, inodes, IOPS and sockets are the machine's, so the lab's config
// switches those checks off.
type exporter struct {
	Addr string
	in   *instance
	srv  *http.Server
	done chan struct{}

	mu       sync.Mutex
	start    time.Time
	lastIdle float64
}

func startExporter(in *instance) (*exporter, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("instance exporter: %w", err)
	}
	x := &exporter{Addr: l.Addr().String(), in: in, start: time.Now(), done: make(chan struct{})}
	x.srv = &http.Server{Handler: http.HandlerFunc(x.metrics), ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { defer close(x.done); _ = x.srv.Serve(l) }()
	return x, nil
}

func (x *exporter) close() {
	_ = x.srv.Close()
	<-x.done
}

// cpu is the instance's one quota-sized CPU: user seconds scaled to the
// quota, idle the rest of the wall clock (never going back).
func (x *exporter) cpu() (user, idle float64) {
	user = x.in.cpuSeconds() / instanceCPUQuota
	x.mu.Lock()
	defer x.mu.Unlock()
	idle = max(x.lastIdle, time.Since(x.start).Seconds()-user)
	x.lastIdle = idle
	return user, idle
}

func (x *exporter) metrics(w http.ResponseWriter, _ *http.Request) {
	user, idle := x.cpu()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	x.in.mu.Lock()
	busy := len(x.in.threads)
	x.in.mu.Unlock()
	fds := 0
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		fds = len(ents)
	}
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	var b strings.Builder
	gauge := func(name string, v float64) { fmt.Fprintf(&b, "# TYPE %s gauge\n%s %g\n", name, name, v) }
	b.WriteString("# TYPE node_cpu_seconds_total counter\n")
	fmt.Fprintf(&b, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} %g\n", idle)
	fmt.Fprintf(&b, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} %g\n", user)
	fmt.Fprintf(&b, "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 0\n")
	gauge("node_memory_MemTotal_bytes", instanceMemLimit)
	gauge("node_memory_MemAvailable_bytes", max(0, float64(instanceMemLimit)-float64(ms.HeapInuse)))
	gauge("node_memory_SwapTotal_bytes", 0)
	gauge("node_memory_SwapFree_bytes", 0)
	for _, n := range []string{"node_load1", "node_load5", "node_load15"} {
		gauge(n, float64(busy))
	}
	gauge("node_filefd_allocated", float64(fds))
	gauge("node_filefd_maximum", float64(lim.Cur))
	b.WriteString("# TYPE node_vmstat_oom_kill untyped\nnode_vmstat_oom_kill 0\n")
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = io.WriteString(w, b.String())
}
