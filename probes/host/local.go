package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"

	"github.com/fivelayer/triage/probes"
)

// HostKind is the `host` kind: the machine triage runs on.
var HostKind = probes.Kind{
	Name:       "host",
	Thresholds: DefaultThresholds,
	Doc:        "the local machine: CPU, memory, swap, load, disk and inodes per mount, IOPS, file handles, TCP states, OOM kills, top processes",
	Allowed:    []string{},
	Checks:     HostChecks,
	New:        func(s probes.Spec) (probes.Probe, error) { return NewHost(s), nil },
}

// Host is the local machine, read through gopsutil and /proc. It keeps the
// previous sample for rates (CPU, IOPS, OOM kills, per-process CPU).
type Host struct {
	spec  probes.Spec
	proc  string // procfs root
	prev  *HostSample
	cores int
	procs *procTable
	fs    statfsGuard
	cw    closeWaitCount // the last CLOSE_WAIT count, reused while fresh
	top   topLists       // the last process lists, reused while fresh
	// hot is set when the last round's cpu or memory check was warn or crit:
	// then the process lists are read every round.
	hot bool
}

// topEvery is how long the process lists (the busiest processes by CPU and
// by memory, evidence of the cpu and memory checks) are reused while both
// checks are ok or unknown. Reading every process's /proc/PID/stat was half
// of a round's cost; the lists matter when CPU or memory is the problem,
// and once either is warn or crit they are read every round. CPU
// percentages are rates over the time between two readings, so a reused
// list is a steadier 5 s average.
const topEvery = 5 * time.Second

// topLists are process lists and when they were read.
type topLists struct {
	cpu, mem []Process
	at       time.Time
}

// closeWaitEvery is how long a CLOSE_WAIT count that graded ok is reused.
// Counting asks the kernel to walk its whole established-socket hash (two
// walks: IPv4 and IPv6), a few milliseconds whatever the socket table
// holds; at a 1 s interval that alone cost more than htop's whole refresh.
// A CLOSE_WAIT leak builds over minutes, so an ok count is re-read every
// 10 s; once it reaches the warn bound it is re-read every round.
const closeWaitEvery = 10 * time.Second

// closeWaitCount is one CLOSE_WAIT count and when it was taken.
type closeWaitCount struct {
	n  float64
	at time.Time
}

var _ probes.Probe = (*Host)(nil)

// NewHost builds the local host probe.
func NewHost(spec probes.Spec) *Host {
	return &Host{spec: spec, proc: "/proc", procs: newProcTable("/proc")}
}

// Checks lists the host checks.
func (h *Host) Checks() []probes.Check { return hostChecksCopy() }

// Run samples the machine and grades the sample against the previous one.
func (h *Host) Run(ctx context.Context) []probes.Result {
	cur := h.collect(ctx)
	rs := Evaluate(h.prev, cur, h.spec)
	h.prev = cur
	h.hot = false
	for _, r := range rs {
		if (r.Check == CheckCPU || r.Check == CheckMemory) && (r.Status == probes.Warn || r.Status == probes.Crit) {
			h.hot = true
		}
	}
	return rs
}

// collect reads one HostSample; a part that fails records its error.
func (h *Host) collect(ctx context.Context) *HostSample {
	ctx, cancel := probes.WithMargin(ctx)
	defer cancel()
	s := &HostSample{Time: time.Now(), Errs: map[string]error{}}

	if ts, err := cpu.TimesWithContext(ctx, false); err != nil || len(ts) == 0 {
		s.Errs[CheckCPU] = orErr(err, "/proc/stat has no cpu line")
	} else {
		t := ts[0]
		s.CPU = &CPUTimes{User: t.User, Nice: t.Nice, System: t.System, Idle: t.Idle,
			IOWait: t.Iowait, IRQ: t.Irq, SoftIRQ: t.Softirq, Steal: t.Steal}
	}
	if h.cores == 0 {
		if n, err := cpu.CountsWithContext(ctx, true); err == nil {
			h.cores = n
		}
	}
	s.Cores = h.cores

	if vm, err := mem.VirtualMemoryWithContext(ctx); err != nil {
		s.Errs[CheckMemory], s.Errs[CheckSwap] = err, err
	} else {
		s.Memory = &Memory{TotalBytes: float64(vm.Total), AvailableBytes: float64(vm.Available)}
		s.Swap = &Swap{TotalBytes: float64(vm.SwapTotal), FreeBytes: float64(vm.SwapFree)}
	}
	if l, err := load.AvgWithContext(ctx); err != nil {
		s.Errs[CheckLoad] = err
	} else {
		s.Load = &Load{Load1: l.Load1, Load5: l.Load5, Load15: l.Load15}
	}
	if ms, err := h.fs.readMounts(ctx); err != nil {
		s.Errs[CheckDisk], s.Errs[CheckInodes] = err, err
	} else {
		s.Mounts = ms
	}
	h.readProcFiles(ctx, s)
	h.readTop(ctx, s)
	return s
}

// readTop fills the process lists: read again when the cpu or memory check
// was warn or crit last round, when they are older than topEvery, or while there
// is no CPU list yet (the first reading has no rates); else reused, with
// their age.
func (h *Host) readTop(ctx context.Context, s *HostSample) {
	age := s.Time.Sub(h.top.at)
	if h.hot || h.top.at.IsZero() || h.top.cpu == nil || age >= topEvery || age < 0 {
		top, byMem, err := h.procs.sample(ctx, s.Time)
		if err != nil {
			return
		}
		h.top, age = topLists{cpu: top, mem: byMem, at: s.Time}, 0
	}
	s.TopCPU, s.TopMemory, s.TopAge = h.top.cpu, h.top.mem, age
}

// readProcFiles fills the parts read straight from /proc.
func (h *Host) readProcFiles(ctx context.Context, s *HostSample) {
	if f, err := os.Open(filepath.Join(h.proc, "diskstats")); err != nil {
		s.Errs[CheckIOPS] = err
	} else {
		s.Disks, err = parseDiskStats(f)
		_ = f.Close()
		if err != nil {
			s.Errs[CheckIOPS] = err
		} else if s.Disks == nil {
			s.Disks = []DiskIO{}
		}
	}
	if f, err := os.Open(filepath.Join(h.proc, "sys/fs/file-nr")); err != nil {
		s.Errs[CheckFDs] = err
	} else {
		fds, err := parseFileNR(f)
		_ = f.Close()
		if err != nil {
			s.Errs[CheckFDs] = err
		} else {
			s.FDs = &fds
		}
	}
	if socks, err := h.readSockets(ctx); err != nil {
		s.Errs[CheckSockets] = err
	} else {
		s.Sockets = socks
	}
	if f, err := os.Open(filepath.Join(h.proc, "vmstat")); err != nil {
		s.Errs[CheckOOM] = err
	} else {
		vm, err := parseVMStat(f)
		_ = f.Close()
		switch n, ok := vm["oom_kill"]; {
		case err != nil:
			s.Errs[CheckOOM] = err
		case !ok:
			s.Errs[CheckOOM] = errors.New("/proc/vmstat has no oom_kill (kernel older than 4.13)")
		default:
			s.OOMKills = probes.V(float64(n))
		}
	}
}

// readSockets counts the TCP socket states the sockets check grades, over
// IPv4 and IPv6, at a cost that does not grow with the socket table:
// CLOSE_WAIT from a sock_diag dump filtered to that state, TIME_WAIT and
// ESTABLISHED from the kernel's counters. When those cannot be read, every
// state is counted, through sock_diag, else from /proc/net/tcp and tcp6
// (tcp6 is absent when IPv6 is disabled).
func (h *Host) readSockets(ctx context.Context) (*Sockets, error) {
	if socks, err := h.readSocketCounters(ctx); err == nil {
		return socks, nil
	}
	counts, err := countTCPStates(ctx, allStates)
	if err == nil {
		return &Sockets{States: counts, Complete: true, EstablishedOrCloseWait: -1, Source: "sock_diag"}, nil
	}
	counts = map[string]float64{}
	for _, name := range []string{"net/tcp", "net/tcp6"} {
		f, err := os.Open(filepath.Join(h.proc, name))
		if errors.Is(err, fs.ErrNotExist) && name == "net/tcp6" {
			continue
		}
		if err != nil {
			return nil, err
		}
		err = parseProcNetTCP(f, counts)
		_ = f.Close()
		if err != nil {
			return nil, err
		}
	}
	return &Sockets{States: counts, Complete: true, EstablishedOrCloseWait: -1, Source: "/proc/net/tcp"}, nil
}

// SourceCounters names the cheap sockets source in evidence.
const SourceCounters = "sock_diag close_wait + /proc/net/sockstat"

// readSocketCounters is the cheap path of readSockets. TIME_WAIT is the
// kernel's count of timewait sockets (both families share it); ESTABLISHED
// is the TCP MIB's CurrEstab (ESTABLISHED and CLOSE_WAIT) less CLOSE_WAIT.
func (h *Host) readSocketCounters(ctx context.Context) (*Sockets, error) {
	now := time.Now()
	age := now.Sub(h.cw.at)
	if h.cw.at.IsZero() || age >= closeWaitEvery || age < 0 || threshold(h.spec, CheckSockets).Grade(h.cw.n) != probes.OK {
		cw, err := countTCPStates(ctx, stateCloseWait)
		if err != nil {
			return nil, err
		}
		h.cw, age = closeWaitCount{n: cw["close_wait"], at: now}, 0
	}
	f, err := os.Open(filepath.Join(h.proc, "net/sockstat"))
	if err != nil {
		return nil, err
	}
	tw, err := parseSockstatTW(f)
	_ = f.Close()
	if err != nil {
		return nil, err
	}
	f, err = os.Open(filepath.Join(h.proc, "net/snmp"))
	if err != nil {
		return nil, err
	}
	estab, err := parseSNMPCurrEstab(f)
	_ = f.Close()
	if err != nil {
		return nil, err
	}
	closeWait := h.cw.n
	return &Sockets{
		CloseWaitAge: age,
		States: map[string]float64{
			"close_wait": closeWait, "time_wait": tw,
			// The two reads are not atomic: a socket may change state between them.
			"established": max(estab-closeWait, 0),
		},
		EstablishedOrCloseWait: estab, Source: SourceCounters,
	}, nil
}

// orErr returns err, or a new error with msg when err is nil.
func orErr(err error, msg string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s", msg)
}
