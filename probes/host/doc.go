// Package host holds the server-layer probe kinds: `host` (the local machine,
// read through gopsutil and /proc), `node_exporter` (a remote machine's
// /metrics parsed with prometheus/common/expfmt) and `prometheus` (a whole
// fleet through a Prometheus server's query API, plus configured PromQL rules).
//
// Every source fills the same HostSample and one function, Evaluate, grades
// it: the cpu, memory, swap, load, disk, inodes, iops, fds, sockets and oom
// checks read the same thresholds and write the same evidence whichever way
// the numbers arrived. Rates (CPU, IOPS, OOM kills) come from two samples a
// round apart, or ready-made from PromQL rate functions.
//
// Parsers of /proc files (parseFileNR, parseProcNetTCP, parseVMStat,
// parseDiskStats, parsePIDStat) are pure and kept apart from the reads.
package host
