package host

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// ignoredDevices are block devices left out of IOPS: partitions (their disk
// already counts them), RAM disks, loop and floppy devices. node_exporter's
// default filter, plus zram and mmcblk partitions.
var ignoredDevices = regexp.MustCompile(`^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p|mmcblk\d+p)\d+$`)

// tcpStates names the kernel's TCP states (include/net/tcp_states.h) as
// node_exporter's tcpstat collector does.
var tcpStates = [...]string{
	1: "established", 2: "syn_sent", 3: "syn_recv", 4: "fin_wait1", 5: "fin_wait2",
	6: "time_wait", 7: "close", 8: "close_wait", 9: "last_ack", 10: "listen",
	11: "closing", 12: "new_syn_recv",
}

// parseFileNR reads /proc/sys/fs/file-nr: allocated, unused, max.
func parseFileNR(r io.Reader) (FDs, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return FDs{}, fmt.Errorf("read file-nr: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return FDs{}, fmt.Errorf("file-nr: want 3 fields, got %q", strings.TrimSpace(string(b)))
	}
	var v [3]float64
	for i, s := range f {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return FDs{}, fmt.Errorf("file-nr field %d: %w", i+1, err)
		}
		v[i] = float64(n)
	}
	// Since Linux 2.6 freed handles are returned at once: unused stays 0 and
	// allocated is what is in use.
	return FDs{Allocated: v[0] - v[1], Max: v[2]}, nil
}

// parseVMStat reads /proc/vmstat ("name value" lines) into a map.
func parseVMStat(r io.Reader) (map[string]uint64, error) {
	out := map[string]uint64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("vmstat %s: %w", name, err)
		}
		out[name] = n
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read vmstat: %w", err)
	}
	return out, nil
}

// parseProcNetTCP adds the sockets of one /proc/net/tcp or tcp6 table to
// counts, by state. It reads line by line without splitting every line, so
// a table of a hundred thousand sockets stays cheap.
func parseProcNetTCP(r io.Reader, counts map[string]float64) error {
	br := bufio.NewReaderSize(r, 64<<10)
	header := true
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return errors.New("/proc/net/tcp: line too long")
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if header {
				header = false
			} else {
				st, perr := tcpStateField(line)
				if perr != nil {
					return perr
				}
				if st > 0 && st < len(tcpStates) && tcpStates[st] != "" {
					counts[tcpStates[st]]++
				} else {
					counts["unknown"]++
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read /proc/net/tcp: %w", err)
		}
	}
}

// tcpStateField returns the 4th whitespace-separated field ("st") as a number.
func tcpStateField(line []byte) (int, error) {
	field, i := 0, 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		start := i
		for i < len(line) && line[i] != ' ' && line[i] != '\t' && line[i] != '\n' {
			i++
		}
		if start == i {
			break
		}
		if field == 3 {
			v, err := strconv.ParseUint(string(line[start:i]), 16, 8)
			if err != nil {
				return 0, fmt.Errorf("/proc/net/tcp state %q: %w", line[start:i], err)
			}
			return int(v), nil
		}
		field++
	}
	return 0, fmt.Errorf("/proc/net/tcp: short line %q", bytes.TrimSpace(line))
}

// parseDiskStats reads /proc/diskstats: completed reads and writes of every
// whole block device (ignoredDevices left out).
func parseDiskStats(r io.Reader) ([]DiskIO, error) {
	var out []DiskIO
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 {
			continue
		}
		if ignoredDevices.MatchString(f[2]) {
			continue
		}
		reads, err1 := strconv.ParseUint(f[3], 10, 64)
		writes, err2 := strconv.ParseUint(f[7], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("diskstats %s: %w", f[2], err)
		}
		out = append(out, DiskIO{Device: f[2], Reads: float64(reads), Writes: float64(writes)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read diskstats: %w", err)
	}
	return out, nil
}

// pidStat is what the process table needs from /proc/PID/stat.
type pidStat struct {
	Name       string
	Ticks      uint64 // utime + stime, in clock ticks
	StartTicks uint64 // start time after boot: tells a reused pid apart
	RSSPages   uint64
}

// parsePIDStat reads one /proc/PID/stat line. The command name sits in
// parentheses and may itself hold spaces and parentheses, so the fields are
// counted from the last ')'.
func parsePIDStat(b []byte) (pidStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return pidStat{}, fmt.Errorf("stat: no command name in %q", b)
	}
	f := strings.Fields(string(b[end+1:]))
	// f[0] is field 3 (state): utime is field 14, stime 15, starttime 22, rss 24.
	if len(f) < 22 {
		return pidStat{}, fmt.Errorf("stat: %d fields after the name, want at least 22", len(f))
	}
	var v [4]uint64
	for i, idx := range [...]int{11, 12, 19, 21} {
		n, err := strconv.ParseInt(f[idx], 10, 64)
		if err != nil {
			return pidStat{}, fmt.Errorf("stat field %d: %w", idx+3, err)
		}
		v[i] = uint64(max(n, 0))
	}
	return pidStat{Name: string(b[open+1 : end]), Ticks: v[0] + v[1], StartTicks: v[2], RSSPages: v[3]}, nil
}
