package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fivelayer/triage/probes/lab/daemons"
)

// The instance's resources as the server layer sees them: a container's
// limits, since the lab's instance shares this process with the rest.
const (
	instanceCPUQuota = 0.25    // cores: cpu limit 250m
	instanceMemLimit = 1 << 30 // bytes
	hogThreads       = 2       // threads the CPU hog spins
)

// instance is what lives inside invoice-api's process and goes when it
// restarts: its background jobs (the CPU hog, the deadlocking batch) and
// the connections it leaked. Its CPU is the CPU time of its job threads,
// read per thread from /proc.
type instance struct {
	mu       sync.Mutex
	jobs     map[string]*job
	leakedDB []*sql.Conn
	leakPool *sql.DB
	leakedRD []net.Conn
	cpuBase  float64         // seconds used by job threads that have ended
	threads  map[int]float64 // job threads running now → their CPU seconds when the job took them
	restarts int
	started  time.Time
}

// job is a background goroutine set of the instance.
type job struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

func newInstance() *instance {
	return &instance{jobs: map[string]*job{}, threads: map[int]float64{}, started: time.Now()}
}

// startJob runs n copies of fn until the job is stopped.
func (in *instance) startJob(name string, n int, fn func(stop <-chan struct{})) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.jobs[name] != nil {
		return
	}
	j := &job{stop: make(chan struct{})}
	in.jobs[name] = j
	for range n {
		j.wg.Add(1)
		go func() { defer j.wg.Done(); fn(j.stop) }()
	}
}

// stopJob ends the job and waits for it.
func (in *instance) stopJob(name string) {
	in.mu.Lock()
	j := in.jobs[name]
	delete(in.jobs, name)
	in.mu.Unlock()
	if j != nil {
		close(j.stop)
		j.wg.Wait()
	}
}

// running reports whether the job runs.
func (in *instance) running(name string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.jobs[name] != nil
}

// hog spins on a thread of its own, whose CPU time while it is the hog's
// the instance counts. The thread is unlocked, not ended, when the hog
// stops: an OS thread that ends takes the children it started with it
// (Pdeathsig), and the Go runtime reuses its threads for anything, the
// lab's mariadbd and redis-server starts included.
func (in *instance) hog(stop <-chan struct{}) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := syscall.Gettid()
	in.mu.Lock()
	in.threads[tid] = threadCPU(tid)
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		in.cpuBase += threadCPU(tid) - in.threads[tid]
		delete(in.threads, tid)
		in.mu.Unlock()
	}()
	x := 1.0
	for {
		select {
		case <-stop:
			return
		default:
		}
		for i := 0; i < 200_000; i++ {
			x = x*1.0000001 + 1e-9
		}
	}
}

// cpuSeconds is the CPU time the instance's job threads used so far.
func (in *instance) cpuSeconds() float64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	s := in.cpuBase
	for tid, start := range in.threads {
		s += threadCPU(tid) - start
	}
	return s
}

// clockTick is USER_HZ, the unit of /proc's utime and stime.
const clockTick = 100

// threadCPU is utime+stime of one of this process's threads, in seconds.
func threadCPU(tid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest) // f[0] is field 3 (state): utime is field 14, stime 15
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / clockTick
}

// leakDB opens connections to s as the application and never gives them
// back, until the server refuses more ("Too many connections") or want are
// held: a pool that leaks.
func (in *instance) leakDB(ctx context.Context, s *daemons.MariaDB, want int) error {
	db, err := sql.Open("mysql", appDSN(s))
	if err != nil {
		return err
	}
	db.SetMaxIdleConns(0)
	var held []*sql.Conn
	for len(held) < want {
		c, err := db.Conn(ctx)
		if err == nil {
			err = c.PingContext(ctx)
		}
		if err != nil {
			if c != nil {
				_ = c.Close()
			}
			break // the server is full: what the leak was heading for
		}
		held = append(held, c)
	}
	if len(held) == 0 {
		_ = db.Close()
		return errors.New("could not open a single connection")
	}
	in.mu.Lock()
	in.leakedDB, in.leakPool = held, db
	in.mu.Unlock()
	return nil
}

// leakRedis opens connections to addr and keeps them, until Redis turns
// them away (maxclients) or want are held.
func (in *instance) leakRedis(addr string, want int) error {
	var held []net.Conn
	for len(held) < want {
		c, err := net.DialTimeout("tcp", addr, cacheTimeout)
		if err != nil {
			break
		}
		// A rejected client is told so at once and closed: PING tells them apart.
		_ = c.SetDeadline(time.Now().Add(cacheTimeout))
		buf := make([]byte, 64)
		if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
			_ = c.Close()
			break
		}
		n, err := c.Read(buf)
		if err != nil || !strings.HasPrefix(string(buf[:n]), "+PONG") {
			_ = c.Close()
			break
		}
		_ = c.SetDeadline(time.Time{})
		held = append(held, c)
	}
	if len(held) == 0 {
		return errors.New("could not open a single connection")
	}
	in.mu.Lock()
	in.leakedRD = held
	in.mu.Unlock()
	return nil
}

// dropDB closes the leaked database connections.
func (in *instance) dropDB() {
	in.mu.Lock()
	held, pool := in.leakedDB, in.leakPool
	in.leakedDB, in.leakPool = nil, nil
	in.mu.Unlock()
	for _, c := range held {
		_ = c.Close()
	}
	if pool != nil {
		_ = pool.Close()
	}
}

// dropRedis closes the leaked Redis connections.
func (in *instance) dropRedis() {
	in.mu.Lock()
	held := in.leakedRD
	in.leakedRD = nil
	in.mu.Unlock()
	for _, c := range held {
		_ = c.Close()
	}
}

// leaks is how many connections the instance holds without using them.
func (in *instance) leaks() (db, redis int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.leakedDB), len(in.leakedRD)
}

// stopAll ends every job and closes every leaked connection: what a
// process restart does.
func (in *instance) stopAll() {
	in.mu.Lock()
	names := make([]string, 0, len(in.jobs))
	for n := range in.jobs {
		names = append(names, n)
	}
	in.mu.Unlock()
	for _, n := range names {
		in.stopJob(n)
	}
	in.dropDB()
	in.dropRedis()
}
