package host

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

const (
	topN = 10 // processes listed per top list
	// maxTracked bounds the per-pid CPU times kept between rounds.
	maxTracked = 1 << 16
	cmdlineMax = 200 // characters of a command line kept in evidence
	clockTicks = 100 // USER_HZ: the unit of /proc/PID/stat times on Linux
)

// procKey tells a process apart from a later one that reuses its pid.
type procKey struct {
	pid   int32
	start uint64
}

// procTable samples /proc/PID/stat and keeps each process's CPU ticks until
// the next round, so per-process CPU% is a rate over the round like top's.
type procTable struct {
	root     string // "/proc"
	prev     map[procKey]uint64
	prevTime time.Time
	pageSize uint64
	buf      []byte
	// cmdlines keeps the command lines of the processes listed last round:
	// the same processes top the lists round after round, and reading and
	// redacting their command lines every second was a fifth of a round's cost.
	cmdlines map[procKey]cmdline
}

// cmdline is a cleaned command line and when it was read.
type cmdline struct {
	text string
	at   time.Time
}

// cmdlineEvery is how long a process's cleaned command line is reused; a
// process may rewrite its own (nginx "worker process", PostgreSQL's status).
const cmdlineEvery = 30 * time.Second

func newProcTable(root string) *procTable {
	return &procTable{root: root, pageSize: uint64(os.Getpagesize()), buf: make([]byte, 4096)}
}

// sample reads every process once and returns the top processes by CPU
// (only from the second sample on) and by resident memory.
func (t *procTable) sample(ctx context.Context, now time.Time) (topCPU, topMem []Process, err error) {
	dir, err := os.Open(t.root)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", t.root, err)
	}
	names, err := dir.Readdirnames(-1)
	_ = dir.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", t.root, err)
	}
	window := now.Sub(t.prevTime).Seconds()
	havePrev := t.prev != nil && window > 0
	cur := make(map[procKey]uint64, min(len(names), maxTracked))
	procs := make([]Process, 0, len(names))
	for i, name := range names {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, nil, fmt.Errorf("process scan: %w", ctx.Err())
		}
		pid, perr := strconv.ParseInt(name, 10, 32)
		if perr != nil {
			continue
		}
		st, ok := t.readStat(name)
		if !ok {
			continue // gone, or not readable
		}
		key := procKey{pid: int32(pid), start: st.StartTicks}
		if len(cur) < maxTracked {
			cur[key] = st.Ticks
		}
		p := Process{PID: int32(pid), Name: st.Name, CPUPercent: -1, RSSBytes: st.RSSPages * t.pageSize, start: st.StartTicks}
		if before, seen := t.prev[key]; havePrev && seen && st.Ticks >= before {
			p.CPUPercent = 100 * float64(st.Ticks-before) / clockTicks / window
		}
		procs = append(procs, p)
	}
	first := !havePrev
	t.prev, t.prevTime = cur, now

	if !first {
		sort.Slice(procs, func(i, j int) bool { return procs[i].CPUPercent > procs[j].CPUPercent })
		for _, p := range procs[:min(topN, len(procs))] {
			if p.CPUPercent > 0 {
				topCPU = append(topCPU, p)
			}
		}
		if topCPU == nil {
			topCPU = []Process{}
		}
	}
	sort.Slice(procs, func(i, j int) bool { return procs[i].RSSBytes > procs[j].RSSBytes })
	topMem = append([]Process(nil), procs[:min(topN, len(procs))]...)
	keep := make(map[procKey]cmdline, 2*topN)
	t.fillCmdlines(topCPU, keep, now)
	t.fillCmdlines(topMem, keep, now)
	t.cmdlines = keep
	return topCPU, topMem, nil
}

// readStat reads /proc/PID/stat into the table's buffer. It is read once
// per process per round, so it goes straight to the system calls: an
// os.File would also try to register each file with the poller, and
// io.ReadFull would read a second time to find the end the kernel gave in
// the first read (the whole line comes in one read).
func (t *procTable) readStat(pid string) (pidStat, bool) {
	fd, err := openRead(filepath.Join(t.root, pid, "stat"))
	if err != nil {
		return pidStat{}, false
	}
	n, err := readOnce(fd, t.buf)
	_ = syscall.Close(fd)
	if err != nil {
		return pidStat{}, false
	}
	st, err := parsePIDStat(t.buf[:n])
	return st, err == nil
}

// openRead opens path read-only, retrying when a signal interrupts it.
func openRead(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// readOnce is one read(2) into buf, retrying when a signal interrupts it.
func readOnce(fd int, buf []byte) (int, error) {
	for {
		n, err := syscall.Read(fd, buf)
		if err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}

// fillCmdlines gives each listed process its command line: NULs become
// spaces, kernel threads show as [name], and long lines are cut. A line
// read less than cmdlineEvery ago for the same process (pid and start
// time) is reused; each line used is kept in keep for the next round.
func (t *procTable) fillCmdlines(ps []Process, keep map[procKey]cmdline, now time.Time) {
	for i := range ps {
		key := procKey{pid: ps[i].PID, start: ps[i].start}
		if c, ok := keep[key]; ok { // in both lists
			ps[i].Cmdline = c.text
			continue
		}
		if c, ok := t.cmdlines[key]; ok && now.Sub(c.at) < cmdlineEvery && now.Sub(c.at) >= 0 {
			ps[i].Cmdline, keep[key] = c.text, c
			continue
		}
		b, _ := readLimited(filepath.Join(t.root, strconv.Itoa(int(ps[i].PID)), "cmdline"), 4*cmdlineMax)
		ps[i].Cmdline = cleanCmdline(b, ps[i].Name)
		keep[key] = cmdline{text: ps[i].Cmdline, at: now}
	}
}

// cleanCmdline turns a raw /proc/PID/cmdline into one printable line.
func cleanCmdline(b []byte, name string) string {
	if strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " ")) == "" {
		return "[" + name + "]"
	}
	s := strings.TrimSpace(redactCmdline(string(b)))
	if utf8.RuneCountInString(s) > cmdlineMax {
		s = string([]rune(s)[:cmdlineMax-1]) + "…"
	}
	return s
}

// readLimited reads at most n bytes of a file.
func readLimited(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}
