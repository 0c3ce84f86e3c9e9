package host

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ErrMetricMissing is wrapped when a source does not expose a metric a check needs.
var ErrMetricMissing = errors.New("metric not exposed")

// series is one time series: its labels and value.
type series struct {
	labels model.Metric
	value  float64
}

// metricSet is series by metric name: a node exporter scrape, or one
// instance's part of a Prometheus query result.
type metricSet map[string][]series

// parseExposition decodes Prometheus text exposition into series.
func parseExposition(r io.Reader) (metricSet, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("not exposition text: %w", err)
	}
	if len(fams) == 0 {
		return nil, errors.New("not exposition text: no metrics in the response")
	}
	vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, slices.Collect(maps.Values(fams))...)
	if err != nil && len(vec) == 0 {
		return nil, fmt.Errorf("not exposition text: %w", err)
	}
	return metricSetFromVector(vec), nil
}

// metricSetFromVector groups a vector's samples by metric name.
func metricSetFromVector(vec model.Vector) metricSet {
	m := metricSet{}
	for _, s := range vec {
		name := string(s.Metric[model.MetricNameLabel])
		m[name] = append(m[name], series{labels: s.Metric, value: float64(s.Value)})
	}
	return m
}

// one returns the value of name's first series.
func (m metricSet) one(name string) (float64, bool) {
	if ss := m[name]; len(ss) > 0 {
		return ss[0].value, true
	}
	return 0, false
}

// missing is the error for metrics a check needs and the source lacks.
func missing(names ...string) error {
	return fmt.Errorf("%w: %s", ErrMetricMissing, strings.Join(names, ", "))
}

// fsKey identifies a filesystem series across the node_filesystem_* metrics.
func fsKey(l model.Metric) string {
	return string(l["mountpoint"]) + "\x00" + string(l["device"]) + "\x00" + string(l["fstype"])
}

// sampleFromMetrics reads node_exporter metrics into a HostSample. Parts the
// metrics lack get an ErrMetricMissing error under their check.
func sampleFromMetrics(m metricSet, now time.Time) *HostSample {
	s := &HostSample{Time: now, Errs: map[string]error{}}
	if cs := m["node_cpu_seconds_total"]; len(cs) > 0 {
		var t CPUTimes
		cpus := map[model.LabelValue]bool{}
		for _, x := range cs {
			addMode(&t, string(x.labels["mode"]), x.value)
			cpus[x.labels["cpu"]] = true
		}
		s.CPU, s.Cores = &t, len(cpus)
	} else {
		s.Errs[CheckCPU] = missing("node_cpu_seconds_total")
	}
	total, ok1 := m.one("node_memory_MemTotal_bytes")
	avail, ok2 := m.one("node_memory_MemAvailable_bytes")
	if ok1 && ok2 {
		s.Memory = &Memory{TotalBytes: total, AvailableBytes: avail}
	} else {
		s.Errs[CheckMemory] = missing("node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes")
	}
	swTotal, ok1 := m.one("node_memory_SwapTotal_bytes")
	swFree, ok2 := m.one("node_memory_SwapFree_bytes")
	if ok1 && ok2 {
		s.Swap = &Swap{TotalBytes: swTotal, FreeBytes: swFree}
	} else {
		s.Errs[CheckSwap] = missing("node_memory_SwapTotal_bytes", "node_memory_SwapFree_bytes")
	}
	l1, ok1 := m.one("node_load1")
	l5, ok2 := m.one("node_load5")
	l15, ok3 := m.one("node_load15")
	if ok1 && ok2 && ok3 {
		s.Load = &Load{Load1: l1, Load5: l5, Load15: l15}
	} else {
		s.Errs[CheckLoad] = missing("node_load1", "node_load5", "node_load15")
	}
	fillMounts(m, s)
	fillDisks(m, s)
	alloc, ok1 := m.one("node_filefd_allocated")
	maxFD, ok2 := m.one("node_filefd_maximum")
	if ok1 && ok2 {
		s.FDs = &FDs{Allocated: alloc, Max: maxFD}
	} else {
		s.Errs[CheckFDs] = missing("node_filefd_allocated", "node_filefd_maximum")
	}
	fillSockets(m, s)
	if v, ok := m.one("node_vmstat_oom_kill"); ok {
		s.OOMKills = &v
	} else {
		s.Errs[CheckOOM] = missing("node_vmstat_oom_kill")
	}
	return s
}

// addMode adds seconds of one node_cpu_seconds_total mode to t.
func addMode(t *CPUTimes, mode string, v float64) {
	switch mode {
	case "user":
		t.User += v
	case "nice":
		t.Nice += v
	case "system":
		t.System += v
	case "idle":
		t.Idle += v
	case "iowait":
		t.IOWait += v
	case "irq":
		t.IRQ += v
	case "softirq":
		t.SoftIRQ += v
	case "steal":
		t.Steal += v
	}
}

// fillMounts reads node_filesystem_* into real mounts, one per device.
func fillMounts(m metricSet, s *HostSample) {
	sizes := m["node_filesystem_size_bytes"]
	if len(sizes) == 0 {
		err := missing("node_filesystem_size_bytes")
		s.Errs[CheckDisk], s.Errs[CheckInodes] = err, err
		return
	}
	byKey := func(name string) map[string]float64 {
		out := map[string]float64{}
		for _, x := range m[name] {
			out[fsKey(x.labels)] = x.value
		}
		return out
	}
	avail, free := byKey("node_filesystem_avail_bytes"), byKey("node_filesystem_free_bytes")
	files, filesFree := byKey("node_filesystem_files"), byKey("node_filesystem_files_free")
	ro, devErr := byKey("node_filesystem_readonly"), byKey("node_filesystem_device_error")
	seen := map[string]bool{}
	s.Mounts = []Mount{}
	for _, x := range sizes {
		mp, dev, fstype := string(x.labels["mountpoint"]), string(x.labels["device"]), string(x.labels["fstype"])
		if !realMount(fstype, mp) {
			continue
		}
		if strings.HasPrefix(dev, "/") {
			if seen[dev] {
				continue
			}
			seen[dev] = true
		}
		k := fsKey(x.labels)
		mt := Mount{Mountpoint: mp, Device: dev, FSType: fstype, SizeBytes: x.value,
			AvailBytes: avail[k], FreeBytes: free[k], Files: files[k], FilesFree: filesFree[k], ReadOnly: ro[k] == 1}
		if devErr[k] == 1 {
			mt.Err = "node_exporter could not stat this filesystem (device_error)"
		}
		s.Mounts = append(s.Mounts, mt)
	}
}

// fillDisks reads completed reads and writes per whole block device.
func fillDisks(m metricSet, s *HostSample) {
	reads, writes := m["node_disk_reads_completed_total"], m["node_disk_writes_completed_total"]
	if len(reads) == 0 && len(writes) == 0 {
		s.Errs[CheckIOPS] = missing("node_disk_reads_completed_total", "node_disk_writes_completed_total")
		return
	}
	s.Disks = diskSeries(reads, writes)
}

// diskSeries pairs read and write series (counts or rates) by device.
func diskSeries(reads, writes []series) []DiskIO {
	idx := map[string]int{}
	out := []DiskIO{}
	at := func(dev string) *DiskIO {
		i, ok := idx[dev]
		if !ok {
			i = len(out)
			idx[dev] = i
			out = append(out, DiskIO{Device: dev})
		}
		return &out[i]
	}
	for _, x := range reads {
		if dev := string(x.labels["device"]); !ignoredDevices.MatchString(dev) {
			at(dev).Reads = x.value
		}
	}
	for _, x := range writes {
		if dev := string(x.labels["device"]); !ignoredDevices.MatchString(dev) {
			at(dev).Writes = x.value
		}
	}
	return out
}

// fillSockets reads TCP states: complete from the tcpstat collector, else
// TIME_WAIT from sockstat and ESTABLISHED+CLOSE_WAIT from netstat.
func fillSockets(m metricSet, s *HostSample) {
	if states := m["node_tcp_connection_states"]; len(states) > 0 {
		counts := map[string]float64{}
		for _, x := range states {
			st := string(x.labels["state"])
			if !strings.HasSuffix(st, "_bytes") { // rx_queued_bytes, tx_queued_bytes
				counts[st] += x.value
			}
		}
		s.Sockets = &Sockets{States: counts, Complete: true, EstablishedOrCloseWait: -1, Source: "node_tcp_connection_states"}
		return
	}
	tw, ok := m.one("node_sockstat_TCP_tw")
	if !ok {
		s.Errs[CheckSockets] = missing("node_tcp_connection_states", "node_sockstat_TCP_tw")
		return
	}
	sk := &Sockets{States: map[string]float64{"time_wait": tw}, EstablishedOrCloseWait: -1, Source: "node_sockstat"}
	if v, ok := m.one("node_netstat_Tcp_CurrEstab"); ok {
		sk.EstablishedOrCloseWait = v
	}
	s.Sockets = sk
}
