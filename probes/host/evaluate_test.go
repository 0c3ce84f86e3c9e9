package host

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns a sample taken d after t0 with no parts.
func at(d time.Duration) *HostSample { return &HostSample{Time: t0.Add(d), Errs: map[string]error{}} }

func byCheck(rs []probes.Result) map[string]probes.Result {
	out := map[string]probes.Result{}
	for _, r := range rs {
		out[r.Check] = r
	}
	return out
}

func TestEvaluateShape(t *testing.T) {
	rs := Evaluate(nil, at(0), probes.Spec{})
	require.Len(t, rs, len(HostChecks))
	for i, r := range rs {
		assert.Equal(t, HostChecks[i].Name, r.Check)
		assert.Equal(t, probes.Server, r.Layer)
		assert.Equal(t, probes.Unknown, r.Status, "an empty sample measures nothing: %s", r.Check)
		assert.NotEmpty(t, r.Summary)
	}
}

func TestEvaluateCPU(t *testing.T) {
	cpu := func(busy, idle float64) *CPUTimes {
		return &CPUTimes{User: busy * 0.75, System: busy * 0.25, Idle: idle}
	}
	withCPU := func(d time.Duration, c *CPUTimes) *HostSample {
		s := at(d)
		s.CPU, s.Cores = c, 4
		return s
	}
	override := probes.Spec{Thresholds: map[string]probes.Threshold{"cpu": {Warn: probes.V(50), For: probes.Duration(time.Minute)}}}
	tests := []struct {
		name      string
		prev, cur *HostSample
		spec      probes.Spec
		status    probes.Status
		value     float64
		summary   string
		forDur    time.Duration
	}{
		{name: "first sample", cur: withCPU(0, cpu(10, 10)), status: probes.Unknown, summary: firstSample},
		{name: "idle", prev: withCPU(0, cpu(100, 100)), cur: withCPU(time.Second, cpu(110, 190)), status: probes.OK, value: 10, summary: "CPU 10.0% busy on 4 cores"},
		{name: "seed warn above 80", prev: withCPU(0, cpu(100, 100)), cur: withCPU(time.Second, cpu(190, 110)), status: probes.Warn, value: 90, summary: "CPU 90.0% busy on 4 cores (warn > 80%)"},
		{name: "crit above 95", prev: withCPU(0, cpu(100, 100)), cur: withCPU(time.Second, cpu(197, 103)), status: probes.Crit, value: 97, summary: "(crit > 95%)"},
		{name: "override and for", prev: withCPU(0, cpu(100, 100)), cur: withCPU(time.Second, cpu(160, 140)), spec: override, status: probes.Warn, value: 60, summary: "(warn > 50%)", forDur: time.Minute},
		{name: "counters went back", prev: withCPU(0, cpu(100, 100)), cur: withCPU(time.Second, cpu(10, 10)), status: probes.Unknown, summary: "went back"},
		{name: "ready-made rate", cur: func() *HostSample { s := at(0); s.CPURate = cpu(1.7, 0.3); s.Cores = 2; return s }(), status: probes.Warn, value: 85},
		{name: "read error", cur: func() *HostSample { s := at(0); s.Errs[CheckCPU] = errors.New("boom"); return s }(), status: probes.Unknown, summary: "cannot read CPU times: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evalCPU(tt.prev, tt.cur, tt.spec)
			assert.Equal(t, tt.status, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tt.summary)
			assert.Equal(t, tt.forDur, r.For)
			if tt.status != probes.Unknown {
				require.NotNil(t, r.Value)
				assert.InDelta(t, tt.value, *r.Value, 0.01)
				assert.Equal(t, "%", r.Unit)
				assert.Contains(t, r.Evidence, "busy_percent")
			} else {
				assert.Nil(t, r.Value)
			}
		})
	}
}

func TestEvaluateGauges(t *testing.T) {
	tests := []struct {
		name    string
		check   string
		fill    func(s *HostSample)
		spec    probes.Spec
		status  probes.Status
		value   *float64
		summary string
	}{
		{name: "memory ok", check: CheckMemory, fill: func(s *HostSample) { s.Memory = &Memory{TotalBytes: 100, AvailableBytes: 50} }, status: probes.OK, value: probes.V(50)},
		{name: "memory warn", check: CheckMemory, fill: func(s *HostSample) { s.Memory = &Memory{TotalBytes: 100, AvailableBytes: 8} }, status: probes.Warn, value: probes.V(92), summary: "(warn > 90%)"},
		{name: "memory crit", check: CheckMemory, fill: func(s *HostSample) { s.Memory = &Memory{TotalBytes: 100, AvailableBytes: 4} }, status: probes.Crit, value: probes.V(96)},
		{name: "memory zero total", check: CheckMemory, fill: func(s *HostSample) { s.Memory = &Memory{} }, status: probes.Unknown},
		{name: "no swap", check: CheckSwap, fill: func(s *HostSample) { s.Swap = &Swap{} }, status: probes.OK, value: probes.V(0), summary: "no swap configured"},
		{name: "swap warn", check: CheckSwap, fill: func(s *HostSample) { s.Swap = &Swap{TotalBytes: 100, FreeBytes: 25} }, status: probes.Warn, value: probes.V(75)},
		{name: "swap seed crit above 85", check: CheckSwap, fill: func(s *HostSample) { s.Swap = &Swap{TotalBytes: 100, FreeBytes: 14} }, status: probes.Crit, value: probes.V(86), summary: "(crit > 85%)"},
		{name: "load per core warn", check: CheckLoad, fill: func(s *HostSample) { s.Load, s.Cores = &Load{Load1: 8, Load5: 4, Load15: 2}, 4 }, status: probes.Warn, value: probes.V(2), summary: "load 2.00 per core (8.00 on 4 cores"},
		{name: "load crit", check: CheckLoad, fill: func(s *HostSample) { s.Load, s.Cores = &Load{Load1: 13}, 4 }, status: probes.Crit, value: probes.V(3.25)},
		{name: "load without cores", check: CheckLoad, fill: func(s *HostSample) { s.Load = &Load{Load1: 13} }, status: probes.Unknown, summary: "core count unknown"},
		{name: "fds ok", check: CheckFDs, fill: func(s *HostSample) { s.FDs = &FDs{Allocated: 10, Max: 100} }, status: probes.OK, value: probes.V(10)},
		{name: "fds warn", check: CheckFDs, fill: func(s *HostSample) { s.FDs = &FDs{Allocated: 85, Max: 100} }, status: probes.Warn, value: probes.V(85)},
		{name: "fds override", check: CheckFDs, spec: probes.Spec{Thresholds: map[string]probes.Threshold{"fds": {Crit: probes.V(5)}}},
			fill: func(s *HostSample) { s.FDs = &FDs{Allocated: 10, Max: 100} }, status: probes.Crit, summary: "(crit > 5%)", value: probes.V(10)},
		{name: "sockets close_wait pile", check: CheckSockets, fill: func(s *HostSample) {
			s.Sockets = &Sockets{States: map[string]float64{"close_wait": 150, "established": 20}, Complete: true}
		}, status: probes.Warn, value: probes.V(150), summary: "CLOSE_WAIT 150 (warn > 100), TIME_WAIT 0, ESTABLISHED 20"},
		{name: "sockets crit", check: CheckSockets, fill: func(s *HostSample) {
			s.Sockets = &Sockets{States: map[string]float64{"close_wait": 1001}, Complete: true}
		}, status: probes.Crit, value: probes.V(1001)},
		{name: "time_wait pile", check: CheckSockets, fill: func(s *HostSample) {
			s.Sockets = &Sockets{States: map[string]float64{"time_wait": 25000}, Complete: true}
		}, status: probes.Warn, value: probes.V(0), summary: "TIME_WAIT 25000 (warn > 20000)"},
		{name: "sockstat only", check: CheckSockets, fill: func(s *HostSample) {
			s.Sockets = &Sockets{States: map[string]float64{"time_wait": 12}, EstablishedOrCloseWait: 4}
		}, status: probes.OK, summary: "TIME_WAIT 12; CLOSE_WAIT not exposed"},
		{name: "metric missing", check: CheckSockets, fill: func(s *HostSample) { s.Errs[CheckSockets] = missing("node_sockstat_TCP_tw") }, status: probes.Unknown, summary: "metric not exposed: node_sockstat_TCP_tw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := at(0)
			tt.fill(s)
			r := byCheck(Evaluate(nil, s, tt.spec))[tt.check]
			assert.Equal(t, tt.status, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tt.summary)
			if tt.value != nil {
				require.NotNil(t, r.Value)
				assert.InDelta(t, *tt.value, *r.Value, 0.01)
			}
		})
	}
}

func TestEvaluateMounts(t *testing.T) {
	root := Mount{Mountpoint: "/", Device: "/dev/vda", FSType: "ext4", SizeBytes: 100, FreeBytes: 50, AvailBytes: 45, Files: 100, FilesFree: 90}
	full := Mount{Mountpoint: "/var", Device: "/dev/vdb", FSType: "xfs", SizeBytes: 100, FreeBytes: 10, AvailBytes: 5, Files: 100, FilesFree: 3}
	hung := Mount{Mountpoint: "/mnt/nfs", Device: "srv:/x", FSType: "nfs4", Err: "statfs did not return (hung mount?)"}
	noInodes := Mount{Mountpoint: "/data", Device: "/dev/vdc", FSType: "btrfs", SizeBytes: 100, FreeBytes: 90, AvailBytes: 90}
	tests := []struct {
		name    string
		check   string
		mounts  []Mount
		status  probes.Status
		value   *float64
		summary string
	}{
		{name: "df use% leaves the reserve out", check: CheckDisk, mounts: []Mount{root}, status: probes.OK, value: probes.V(100 * 50.0 / 95), summary: "/ 52.6% used (1 mount)"},
		{name: "worst mount decides", check: CheckDisk, mounts: []Mount{root, full}, status: probes.Warn, value: probes.V(100 * 90.0 / 95), summary: "/var 94.7% used (2 mounts) (warn > 85%)"},
		{name: "hung mount is unknown", check: CheckDisk, mounts: []Mount{root, hung}, status: probes.Unknown, value: probes.V(100 * 50.0 / 95), summary: "1 unmeasurable: /mnt/nfs: statfs did not return"},
		{name: "warn plus hung is unknown", check: CheckDisk, mounts: []Mount{full, hung}, status: probes.Unknown, summary: "(warn > 85%); 1 unmeasurable"},
		{name: "crit plus hung is crit", check: CheckInodes, mounts: []Mount{full, hung}, status: probes.Crit},
		{name: "only hung", check: CheckDisk, mounts: []Mount{hung}, status: probes.Unknown, summary: "no filesystem could be measured"},
		{name: "none", check: CheckDisk, status: probes.Unknown, summary: "no real filesystem found"},
		{name: "inodes crit", check: CheckInodes, mounts: []Mount{root, full, noInodes}, status: probes.Crit, value: probes.V(97), summary: "/var 97.0% inodes used (2 mounts) (crit > 95%)"},
		{name: "no inode limit", check: CheckInodes, mounts: []Mount{noInodes}, status: probes.OK, summary: "no filesystem has a limit on inodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := at(0)
			s.Mounts = tt.mounts
			r := byCheck(Evaluate(nil, s, probes.Spec{}))[tt.check]
			assert.Equal(t, tt.status, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tt.summary)
			if tt.value != nil {
				require.NotNil(t, r.Value)
				assert.InDelta(t, *tt.value, *r.Value, 0.01)
			}
			rows, _ := r.Evidence["mounts"].([]map[string]any)
			assert.Len(t, rows, len(tt.mounts)-countNoInodes(tt.check, tt.mounts))
		})
	}
}

// countNoInodes counts the mounts the inodes check leaves out.
func countNoInodes(check string, ms []Mount) int {
	n := 0
	for _, m := range ms {
		if check == CheckInodes && m.Err == "" && m.Files == 0 {
			n++
		}
	}
	return n
}

func TestEvaluateIOPS(t *testing.T) {
	disks := func(d time.Duration, io ...DiskIO) *HostSample {
		s := at(d)
		s.Disks = io
		return s
	}
	tests := []struct {
		name      string
		prev, cur *HostSample
		status    probes.Status
		value     float64
		summary   string
	}{
		{name: "first sample", cur: disks(0, DiskIO{Device: "sda"}), status: probes.Unknown, summary: firstSample},
		{name: "quiet", prev: disks(0, DiskIO{"sda", 100, 100}), cur: disks(2*time.Second, DiskIO{"sda", 300, 500}), status: probes.OK, value: 300, summary: "sda 300 IOPS (100 reads/s, 200 writes/s)"},
		{name: "busiest device decides", prev: disks(0, DiskIO{"sda", 0, 0}, DiskIO{"nvme0n1", 0, 0}),
			cur: disks(time.Second, DiskIO{"sda", 10, 10}, DiskIO{"nvme0n1", 3000, 3000}), status: probes.Warn, value: 6000, summary: "nvme0n1 6000 IOPS (3000 reads/s, 3000 writes/s) (warn > 5000 IOPS)"},
		{name: "crit", prev: disks(0, DiskIO{"sda", 0, 0}), cur: disks(time.Second, DiskIO{"sda", 30000, 0}), status: probes.Crit, value: 30000},
		{name: "reset device skipped", prev: disks(0, DiskIO{"sda", 500, 500}), cur: disks(time.Second, DiskIO{"sda", 1, 1}), status: probes.Unknown, summary: "no block device"},
		{name: "ready-made rates", cur: func() *HostSample { s := at(0); s.DiskRates = []DiskIO{{"vda", 10, 5}}; return s }(), status: probes.OK, value: 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evalIOPS(tt.prev, tt.cur, probes.Spec{})
			assert.Equal(t, tt.status, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tt.summary)
			if tt.status != probes.Unknown {
				require.NotNil(t, r.Value)
				assert.InDelta(t, tt.value, *r.Value, 0.01)
				assert.Equal(t, "IOPS", r.Unit)
			}
		})
	}
}

func TestEvaluateOOM(t *testing.T) {
	oom := func(d time.Duration, n float64) *HostSample {
		s := at(d)
		s.OOMKills = probes.V(n)
		return s
	}
	tests := []struct {
		name      string
		prev, cur *HostSample
		status    probes.Status
		value     float64
		summary   string
	}{
		{name: "first sample", cur: oom(0, 4), status: probes.Unknown, summary: "first sample (4 OOM kills since boot)"},
		{name: "no new kill", prev: oom(0, 4), cur: oom(time.Second, 4), status: probes.OK, value: 0, summary: "no OOM kill since the previous round (4 since boot)"},
		{name: "a new kill is crit", prev: oom(0, 4), cur: oom(time.Second, 5), status: probes.Crit, value: 1, summary: "1 OOM kills since the previous round"},
		{name: "reboot resets", prev: oom(0, 40), cur: oom(time.Second, 2), status: probes.Crit, value: 2},
		{name: "not reported", prev: oom(0, 4), cur: at(time.Second), status: probes.Unknown, summary: "not reported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evalOOM(tt.prev, tt.cur, probes.Spec{})
			assert.Equal(t, tt.status, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tt.summary)
			if tt.status != probes.Unknown {
				require.NotNil(t, r.Value)
				assert.InDelta(t, tt.value, *r.Value, 0.01)
			}
		})
	}
}

func TestGradedNaN(t *testing.T) {
	r := graded("x", probes.Above(1, 2), nan(), "x is", "", nil)
	assert.Equal(t, probes.Unknown, r.Status)
	assert.Nil(t, r.Value)
}

func nan() float64 { var z float64; return z / z }
