package host

import "github.com/fivelayer/triage/probes"

// Check names shared by the host, node_exporter and prometheus kinds.
const (
	CheckCPU     = "cpu"
	CheckMemory  = "memory"
	CheckSwap    = "swap"
	CheckLoad    = "load"
	CheckDisk    = "disk"
	CheckInodes  = "inodes"
	CheckIOPS    = "iops"
	CheckFDs     = "fds"
	CheckSockets = "sockets"
	CheckOOM     = "oom"
	// ThresholdTimeWait is the threshold key of the sockets check's TIME_WAIT
	// count (the check's own key grades CLOSE_WAIT).
	ThresholdTimeWait = "time_wait"
)

// HostChecks are the checks every host source yields, in display order. All
// are measurements: a timeout leaves them unknown. CPU, IOPS and OOM kills
// compare two samples.
var HostChecks = []probes.Check{
	{Name: CheckCPU, Layer: probes.Server, OnTimeout: probes.Unknown, Rate: true},
	{Name: CheckMemory, Layer: probes.Server, OnTimeout: probes.Unknown},
	{Name: CheckSwap, Layer: probes.Server, OnTimeout: probes.Unknown},
	{Name: CheckLoad, Layer: probes.Server, OnTimeout: probes.Unknown},
	{Name: CheckDisk, Layer: probes.Server, OnTimeout: probes.Unknown},
	{Name: CheckInodes, Layer: probes.Server, OnTimeout: probes.Unknown},
	{Name: CheckIOPS, Layer: probes.Server, OnTimeout: probes.Unknown, Rate: true},
	{Name: CheckFDs, Layer: probes.Server, OnTimeout: probes.Unknown},
	{Name: CheckSockets, Layer: probes.Server, OnTimeout: probes.Unknown},
	{Name: CheckOOM, Layer: probes.Server, OnTimeout: probes.Unknown, Rate: true},
}

// DefaultThresholds are the host checks' defaults (docs/config.md: CPU > 80% warn,
// swap > 85% crit, IOPS > 5000 warn are the runbook's; the rest are ours).
var DefaultThresholds = map[string]probes.Threshold{
	CheckCPU:          probes.Above(80, 95),      // % busy
	CheckMemory:       probes.Above(90, 95),      // % used (total − available)
	CheckSwap:         probes.Above(70, 85),      // % used
	CheckLoad:         probes.Above(1.5, 3),      // 1-minute load per core
	CheckDisk:         probes.Above(85, 95),      // % used, worst mount
	CheckInodes:       probes.Above(85, 95),      // % used, worst mount
	CheckIOPS:         probes.Above(5000, 20000), // reads+writes/s, busiest device
	CheckFDs:          probes.Above(80, 90),      // % of fs.file-max allocated
	CheckSockets:      probes.Above(100, 1000),   // CLOSE_WAIT sockets
	ThresholdTimeWait: {Warn: probes.V(20000)},   // TIME_WAIT sockets
	CheckOOM:          {Crit: probes.V(0)},       // new OOM kills since the previous round
}

// threshold returns check's threshold with spec's overrides applied.
func threshold(spec probes.Spec, check string) probes.Threshold {
	return spec.Threshold(check, DefaultThresholds[check])
}

// hostChecksCopy returns a fresh copy of HostChecks (callers may append).
func hostChecksCopy() []probes.Check {
	return append([]probes.Check(nil), HostChecks...)
}
