package host

import "time"

// HostSample is one reading of a machine, from any source. A nil part was not
// measured: Errs says why (keyed by check name), or the source cannot see it.
type HostSample struct {
	// Time is when the sample was taken; rates divide by the time between two.
	Time time.Time
	// Errs says why a part could not be measured, keyed by check name.
	Errs map[string]error

	// CPU holds cumulative CPU seconds summed over all cores, by mode.
	CPU *CPUTimes
	// CPURate holds the same modes as seconds per second (a PromQL rate);
	// when set it is graded directly and no second sample is needed.
	CPURate *CPUTimes
	// Cores is the number of logical CPUs (0: unknown).
	Cores  int
	Memory *Memory
	Swap   *Swap
	Load   *Load
	// Mounts are the real filesystems (pseudo filesystems already left out).
	Mounts []Mount
	// Disks holds cumulative completed reads and writes per block device.
	Disks []DiskIO
	// DiskRates holds reads and writes per second per device (a PromQL rate);
	// when set it is graded directly.
	DiskRates []DiskIO
	FDs       *FDs
	Sockets   *Sockets
	// OOMKills is the kernel's cumulative oom_kill counter.
	OOMKills *float64
	// TopCPU and TopMemory are the busiest processes (local host only).
	TopCPU    []Process
	TopMemory []Process
	// TopAge is how old the lists are when they were reused from an earlier
	// reading (0: read with this sample).
	TopAge time.Duration
}

// CPUTimes are CPU seconds by mode, summed over cores (guest time excluded:
// the kernel already counts it in user and nice).
type CPUTimes struct {
	User, Nice, System, Idle, IOWait, IRQ, SoftIRQ, Steal float64
}

// Total is the sum of all modes.
func (c CPUTimes) Total() float64 {
	return c.User + c.Nice + c.System + c.Idle + c.IOWait + c.IRQ + c.SoftIRQ + c.Steal
}

// Busy is time not idle; iowait counts as idle (the CPU could have run work).
func (c CPUTimes) Busy() float64 { return c.Total() - c.Idle - c.IOWait }

// sub returns c - o, mode by mode.
func (c CPUTimes) sub(o CPUTimes) CPUTimes {
	return CPUTimes{
		User: c.User - o.User, Nice: c.Nice - o.Nice, System: c.System - o.System,
		Idle: c.Idle - o.Idle, IOWait: c.IOWait - o.IOWait, IRQ: c.IRQ - o.IRQ,
		SoftIRQ: c.SoftIRQ - o.SoftIRQ, Steal: c.Steal - o.Steal,
	}
}

// Memory is physical memory; Available is what the kernel estimates can be
// given to new work without swapping (MemAvailable).
type Memory struct {
	TotalBytes, AvailableBytes float64
}

// Swap is swap space.
type Swap struct {
	TotalBytes, FreeBytes float64
}

// Load is the run-queue load average.
type Load struct {
	Load1, Load5, Load15 float64
}

// Mount is one mounted filesystem's space and inodes.
type Mount struct {
	Mountpoint, Device, FSType string
	SizeBytes, FreeBytes       float64 // FreeBytes includes the root reserve
	AvailBytes                 float64 // what unprivileged users may still write
	Files, FilesFree           float64 // inodes; Files 0 means no inode limit
	ReadOnly                   bool
	// Err is why this mount could not be measured (statfs hung or failed).
	Err string
}

// DiskIO is completed reads and writes of one block device: cumulative
// counts in Disks, per-second rates in DiskRates.
type DiskIO struct {
	Device        string
	Reads, Writes float64
}

// FDs is the system-wide file handle table (/proc/sys/fs/file-nr).
type FDs struct {
	Allocated, Max float64
}

// Sockets counts TCP sockets by state, keyed like "close_wait", "time_wait".
type Sockets struct {
	States map[string]float64
	// Complete means every state was counted and an absent state is zero;
	// otherwise only the states present are known (sockstat counters).
	Complete bool
	// EstablishedOrCloseWait is netstat's CurrEstab when states are not
	// complete: ESTABLISHED and CLOSE_WAIT together (-1: not reported).
	EstablishedOrCloseWait float64
	// Source names where the counts came from (sock_diag, /proc/net/tcp,
	// node_tcp_connection_states, node_sockstat).
	Source string
	// CloseWaitAge is how old the CLOSE_WAIT count is when it was reused
	// from an earlier round (0: counted this round).
	CloseWaitAge time.Duration
}

// Process is one process in a top list.
type Process struct {
	PID        int32
	Name       string
	CPUPercent float64 // of one core, like top; -1 when not yet known
	RSSBytes   uint64
	Cmdline    string
	start      uint64 // start time in clock ticks: with PID, which process this is
}
