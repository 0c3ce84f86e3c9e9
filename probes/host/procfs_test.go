package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openFixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func TestParseFileNR(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    FDs
		wantErr string
	}{
		{name: "captured", in: "", want: FDs{Allocated: 868, Max: 2466190}},
		{name: "unused subtracted", in: "1000\t200\t5000\n", want: FDs{Allocated: 800, Max: 5000}},
		{name: "short", in: "12 0\n", wantErr: "want 3 fields"},
		{name: "not a number", in: "a 0 1\n", wantErr: "field 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got FDs
			var err error
			if tt.in == "" {
				got, err = parseFileNR(openFixture(t, "proc/file-nr"))
			} else {
				got, err = parseFileNR(strings.NewReader(tt.in))
			}
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseVMStat(t *testing.T) {
	got, err := parseVMStat(openFixture(t, "proc/vmstat"))
	require.NoError(t, err)
	assert.Contains(t, got, "oom_kill")
	assert.Equal(t, uint64(0), got["oom_kill"])
	assert.Greater(t, len(got), 100)

	got, err = parseVMStat(strings.NewReader("nr_free_pages 10\noom_kill 7\n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]uint64{"nr_free_pages": 10, "oom_kill": 7}, got)

	_, err = parseVMStat(strings.NewReader("oom_kill x\n"))
	require.ErrorContains(t, err, "oom_kill")
}

func TestParseProcNetTCP(t *testing.T) {
	counts := map[string]float64{}
	require.NoError(t, parseProcNetTCP(openFixture(t, "proc/net_tcp"), counts))
	require.NoError(t, parseProcNetTCP(openFixture(t, "proc/net_tcp6"), counts))
	assert.Equal(t, map[string]float64{
		"established": 4, "syn_sent": 1, "time_wait": 51, "close_wait": 3, "listen": 13,
	}, counts)

	tests := []struct {
		name, in string
		want     map[string]float64
		wantErr  string
	}{
		{name: "header only", in: "  sl  local_address rem_address   st\n", want: map[string]float64{}},
		{name: "no trailing newline", in: "hdr\n 0: A:1 B:2 0B 0:0\n 1: A:1 B:2 0C 0:0", want: map[string]float64{"closing": 1, "new_syn_recv": 1}},
		{name: "odd state", in: "hdr\n 0: A:1 B:2 1F 0:0\n", want: map[string]float64{"unknown": 1}},
		{name: "bad state", in: "hdr\n 0: A:1 B:2 ZZ 0:0\n", wantErr: "state"},
		{name: "short line", in: "hdr\n 0: A:1\n", wantErr: "short line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]float64{}
			err := parseProcNetTCP(strings.NewReader(tt.in), got)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseDiskStats(t *testing.T) {
	got, err := parseDiskStats(openFixture(t, "proc/diskstats"))
	require.NoError(t, err)
	assert.Equal(t, []DiskIO{
		{Device: "vda", Reads: 75835, Writes: 56402},
		{Device: "sda", Reads: 1000, Writes: 2000},
		{Device: "nvme0n1", Reads: 5000, Writes: 7000},
		{Device: "dm-0", Reads: 300, Writes: 400},
	}, got, "partitions, loop and zram devices are left out")

	_, err = parseDiskStats(strings.NewReader(" 8 0 sda x 0 0 0 1 0 0 0 0 0 0\n"))
	require.ErrorContains(t, err, "sda")
}

func TestParsePIDStat(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		in      string
		want    pidStat
		wantErr string
	}{
		{name: "captured", file: "proc/pid_stat", want: pidStat{Name: "cat", Ticks: 0, StartTicks: 67075, RSSPages: 392}},
		{name: "name with spaces and parens", file: "proc/pid_stat_weird", want: pidStat{Name: "my (weird) proc", Ticks: 200, StartTicks: 67075, RSSPages: 392}},
		{name: "no name", in: "12 R 1 2 3", wantErr: "no command name"},
		{name: "truncated", in: "12 (x) R 1 2 3", wantErr: "fields after the name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := []byte(tt.in)
			if tt.file != "" {
				var err error
				b, err = os.ReadFile(filepath.Join("testdata", tt.file))
				require.NoError(t, err)
			}
			got, err := parsePIDStat(b)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCleanCmdline(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name, in, procName, want string
	}{
		{name: "nul separated", in: "/usr/bin/app\x00--flag\x00value\x00", want: "/usr/bin/app --flag value"},
		{name: "kernel thread", in: "", procName: "kworker/0:1", want: "[kworker/0:1]"},
		{name: "cut at 200", in: long, want: strings.Repeat("x", 199) + "…"},
		{name: "password flag", in: "mysql\x00-uroot\x00-phunter2\x00db", want: "mysql -uroot -p*** db"},
		{name: "password value", in: "app --db-password=hunter2 --token abc", want: "app --db-password=*** --token ***"},
		{name: "url credentials", in: "worker redis://user:hunter2@cache:6379/0", want: "worker redis://user:***@cache:6379/0"},
		{name: "env style", in: "run API_TOKEN=abc123 x", want: "run API_TOKEN=*** x"},
		{name: "redis-cli -a", in: "redis-cli\x00-a\x00hunter2\x00monitor\x00", want: "redis-cli -a *** monitor"},
		{name: "sshpass -p", in: "sshpass\x00-p\x00hunter2\x00ssh\x00-p\x002222\x00h\x00", want: "sshpass -p *** ssh -p 2222 h"},
		{name: "curl -u", in: "curl\x00-u\x00ops:hunter2\x00https://h/\x00", want: "curl -u ops:*** https://h/"},
		{name: "other programs' -p stays", in: "nginx\x00-p\x00/srv/nginx\x00", want: "nginx -p /srv/nginx"},
		{name: "argument with spaces", in: "sh\x00-c\x00redis-cli -a hunter2 ping\x00", want: "sh -c redis-cli -a *** ping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanCmdline([]byte(tt.in), tt.procName)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, "hunter2")
		})
	}
}

func openAbs(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}
