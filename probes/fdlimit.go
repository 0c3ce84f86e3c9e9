package probes

import "syscall"

// A probe holds a socket or two at a time (an HTTP probe: its connection and
// a DNS lookup), and the process needs some for itself: its terminal, log,
// audit file, database pools.
const (
	fdsPerProbe = 2
	fdReserve   = 128
)

// RaiseFDLimit raises the soft limit on open files to the hard one and
// returns the soft limit now in force (0 when it cannot be read). A probe
// round of ten thousand targets needs ten thousand sockets at once, while
// the usual soft default is 1,024.
func RaiseFDLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	if l.Cur < l.Max {
		want := l
		want.Cur = l.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
			l = want
		}
	}
	return uint64(l.Cur)
}

// DefaultWorkers is how many of n probes may run at once: as many as the
// file-descriptor limit (raised first) leaves room for, at least one, at
// most n. A fixed pool smaller than the silent targets of a round makes the
// round last several timeouts.
func DefaultWorkers(n int) int {
	lim := RaiseFDLimit()
	w := 256 // a limit that cannot be read: a modest pool
	if lim > fdReserve+fdsPerProbe {
		w = int(min((lim-fdReserve)/fdsPerProbe, 1<<20))
	}
	return max(1, min(w, n))
}
