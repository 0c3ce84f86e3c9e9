package host

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func fixtureSample(t *testing.T, name string, at time.Time) *HostSample {
	t.Helper()
	m, err := parseExposition(openFixture(t, name))
	require.NoError(t, err)
	return sampleFromMetrics(m, at)
}

func TestSampleFromNodeExporterFixture(t *testing.T) {
	s := fixtureSample(t, "node_exporter.txt", t0)
	assert.Empty(t, s.Errs)
	require.NotNil(t, s.CPU)
	assert.Equal(t, 2, s.Cores)
	assert.InDelta(t, 781.26, s.CPU.Total(), 0.001)
	assert.InDelta(t, 781.26-623.16, s.CPU.Busy(), 0.001)
	assert.Equal(t, &Memory{TotalBytes: 2.52765184e+10, AvailableBytes: 2.4618999808e+10}, s.Memory)
	assert.Equal(t, &Swap{}, s.Swap)
	assert.Equal(t, &Load{Load1: 0.97, Load5: 0.48, Load15: 0.19}, s.Load)
	assert.Equal(t, []Mount{{Mountpoint: "/", Device: "/dev/vda", FSType: "ext4", SizeBytes: 2.70553174016e+11,
		FreeBytes: 2.5728866304e+11, AvailBytes: 8.452878336e+10, Files: 1.6777216e+07, FilesFree: s.Mounts[0].FilesFree}}, s.Mounts)
	assert.Equal(t, []DiskIO{{Device: "vda", Reads: 69172, Writes: 37331}}, s.Disks, "zram0 is left out")
	assert.Equal(t, &FDs{Allocated: 964, Max: 2.46619e+06}, s.FDs)
	assert.Equal(t, &Sockets{States: map[string]float64{"time_wait": 12}, EstablishedOrCloseWait: 4, Source: "node_sockstat"}, s.Sockets)
	require.NotNil(t, s.OOMKills)
	assert.Zero(t, *s.OOMKills)
	assert.Nil(t, s.TopCPU, "a node exporter has no per-process data")
}

func TestSampleFromTCPStatFixture(t *testing.T) {
	s := fixtureSample(t, "node_exporter_tcpstat.txt", t0)
	require.NotNil(t, s.Sockets)
	assert.True(t, s.Sockets.Complete)
	assert.Equal(t, map[string]float64{"established": 4, "listen": 12, "time_wait": 12}, s.Sockets.States, "queued byte gauges are not states")
	r := evalSockets(s, probes.Spec{})
	assert.Equal(t, probes.OK, r.Status)
	assert.Equal(t, "CLOSE_WAIT 0, TIME_WAIT 12, ESTABLISHED 4", r.Summary)
}

func TestRatesFromFixturePair(t *testing.T) {
	prev := fixtureSample(t, "node_exporter_tcpstat.txt", t0)
	cur := fixtureSample(t, "node_exporter_tcpstat_2s.txt", t0.Add(2*time.Second))
	rs := byCheck(Evaluate(prev, cur, probes.Spec{}))
	cpu := rs[CheckCPU]
	require.Equal(t, probes.OK, cpu.Status, cpu.Summary)
	busy := ((772.79 - 615.68) - (768.77 - 612.11)) / (772.79 - 768.77) * 100
	assert.InDelta(t, busy, *cpu.Value, 0.01)
	iops := rs[CheckIOPS]
	require.Equal(t, probes.OK, iops.Status, iops.Summary)
	assert.InDelta(t, (22.0+7.0)/2, *iops.Value, 0.01)
	assert.Equal(t, "vda", iops.Evidence["busiest_device"])
	assert.Equal(t, probes.OK, rs[CheckOOM].Status)
	for _, r := range rs {
		assert.NotEqual(t, probes.Unknown, r.Status, "%s: %s", r.Check, r.Summary)
	}
}

func TestParseExpositionErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{name: "html", body: "<html><body>login</body></html>\n", want: "not exposition text"},
		{name: "json", body: `{"status":"ok"}`, want: "not exposition text"},
		{name: "empty", body: "", want: "no metrics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseExposition(strings.NewReader(tt.body))
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestFillMountsFilters(t *testing.T) {
	body := `
node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 100
node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/srv/bind"} 100
node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 100
node_filesystem_size_bytes{device="overlay",fstype="overlay",mountpoint="/var/lib/docker/overlay2/x/merged"} 100
node_filesystem_size_bytes{device="overlay",fstype="overlay",mountpoint="/"} 100
node_filesystem_size_bytes{device="srv:/export",fstype="nfs4",mountpoint="/mnt/nfs"} 0
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 40
node_filesystem_free_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 45
node_filesystem_readonly{device="/dev/sda1",fstype="ext4",mountpoint="/"} 1
node_filesystem_device_error{device="srv:/export",fstype="nfs4",mountpoint="/mnt/nfs"} 1
`
	m, err := parseExposition(strings.NewReader(body))
	require.NoError(t, err)
	s := sampleFromMetrics(m, t0)
	var got []string
	for _, mt := range s.Mounts {
		got = append(got, mt.Mountpoint+" "+mt.FSType)
	}
	assert.ElementsMatch(t, []string{"/ ext4", "/ overlay", "/mnt/nfs nfs4"}, got)
	for _, mt := range s.Mounts {
		switch mt.FSType {
		case "ext4":
			assert.True(t, mt.ReadOnly)
			assert.Equal(t, 40.0, mt.AvailBytes)
		case "nfs4":
			assert.Contains(t, mt.Err, "device_error")
		}
	}
	for _, check := range []string{CheckCPU, CheckMemory, CheckSwap, CheckLoad, CheckIOPS, CheckFDs, CheckSockets, CheckOOM} {
		require.ErrorIs(t, s.Errs[check], ErrMetricMissing, check)
	}
}

func TestRealMount(t *testing.T) {
	tests := []struct {
		fstype, mountpoint string
		want               bool
	}{
		{"ext4", "/", true},
		{"xfs", "/var/lib/mysql", true},
		{"nfs4", "/mnt/share", true},
		{"overlay", "/", true},
		{"overlay", "/var/lib/docker/overlay2/abc/merged", false},
		{"ext4", "/var/lib/docker/volumes", false},
		{"tmpfs", "/run", false},
		{"proc", "/proc", false},
		{"sysfs", "/sys", false},
		{"ext4", "/dev/foo", false},
		{"squashfs", "/snap/core/1", false},
		{"cgroup2", "/sys/fs/cgroup", false},
	}
	for _, tt := range tests {
		t.Run(tt.fstype+" "+tt.mountpoint, func(t *testing.T) {
			assert.Equal(t, tt.want, realMount(tt.fstype, tt.mountpoint))
		})
	}
}
