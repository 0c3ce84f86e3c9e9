package host

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/shirou/gopsutil/v4/disk"
)

// pseudoFS are filesystem types that hold no data worth a disk alert: kernel
// interfaces, memory-backed and read-only images (always 100% full).
var pseudoFS = map[string]bool{
	"autofs": true, "binfmt_misc": true, "bpf": true, "cgroup": true, "cgroup2": true,
	"configfs": true, "debugfs": true, "devpts": true, "devtmpfs": true, "efivarfs": true,
	"erofs": true, "fusectl": true, "fuse.lxcfs": true, "fuse.snapfuse": true,
	"hugetlbfs": true, "iso9660": true, "mqueue": true, "nfsd": true, "nsfs": true,
	"overlay": true, "proc": true, "procfs": true, "pstore": true, "ramfs": true,
	"rpc_pipefs": true, "securityfs": true, "selinuxfs": true, "squashfs": true,
	"sysfs": true, "tmpfs": true, "tracefs": true,
}

// pseudoMountPrefixes are mount points of kernel interfaces and of other
// containers' filesystems (node_exporter's default exclusion).
var pseudoMountPrefixes = []string{
	"/dev/", "/proc/", "/sys/", "/run/credentials/", "/var/lib/docker/", "/var/lib/containers/storage/",
}

// realMount reports whether a mount is a filesystem whose space matters. An
// overlay mounted at / is kept: it is a container's root disk.
func realMount(fstype, mountpoint string) bool {
	if fstype == "overlay" && mountpoint == "/" {
		return true
	}
	if pseudoFS[fstype] {
		return false
	}
	for _, p := range pseudoMountPrefixes {
		if mountpoint+"/" == p || strings.HasPrefix(mountpoint, p) {
			return false
		}
	}
	return true
}

// statfsGuard runs statfs on its own goroutine per mount and remembers the
// calls that have not returned: a hung network mount is reported, not
// waited on again every round.
type statfsGuard struct {
	mu      sync.Mutex
	pending map[string]time.Time // mount point → when its statfs started
}

// errStatfsHung is returned for a mount whose statfs has not returned.
var errStatfsHung = errors.New("statfs did not return (hung mount?)")

func (g *statfsGuard) usage(ctx context.Context, mountpoint string) (*disk.UsageStat, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g.mu.Lock()
	if since, busy := g.pending[mountpoint]; busy {
		g.mu.Unlock()
		return nil, fmt.Errorf("%w: pending for %s", errStatfsHung, time.Since(since).Round(time.Second))
	}
	if g.pending == nil {
		g.pending = map[string]time.Time{}
	}
	g.pending[mountpoint] = time.Now()
	g.mu.Unlock()

	type res struct {
		u   *disk.UsageStat
		err error
	}
	ch := make(chan res, 1)
	go func() {
		u, err := disk.UsageWithContext(ctx, mountpoint)
		g.mu.Lock()
		delete(g.pending, mountpoint)
		g.mu.Unlock()
		ch <- res{u, err}
	}()
	select {
	case r := <-ch:
		return r.u, r.err
	case <-ctx.Done():
		select { // it may have returned just now
		case r := <-ch:
			return r.u, r.err
		default:
		}
		return nil, errStatfsHung
	}
}

// readMounts lists the real filesystems (one per device: bind mounts of the
// same device are the same space) and measures each.
func (g *statfsGuard) readMounts(ctx context.Context) ([]Mount, error) {
	parts, err := disk.PartitionsWithContext(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("list mounts: %w", err)
	}
	seen := map[string]bool{}
	var out []Mount
	for _, p := range parts {
		if !realMount(p.Fstype, p.Mountpoint) {
			continue
		}
		if strings.HasPrefix(p.Device, "/") {
			if seen[p.Device] {
				continue
			}
			seen[p.Device] = true
		}
		m := Mount{Mountpoint: p.Mountpoint, Device: p.Device, FSType: p.Fstype, ReadOnly: slices.Contains(p.Opts, "ro")}
		u, err := g.usage(ctx, p.Mountpoint)
		if err != nil {
			m.Err = probes.ErrWords(err)
		} else {
			m.SizeBytes, m.FreeBytes = float64(u.Total), float64(u.Total-min(u.Used, u.Total))
			m.AvailBytes = float64(u.Free) // gopsutil's Free is statfs Bavail
			m.Files, m.FilesFree = float64(u.InodesTotal), float64(u.InodesFree)
		}
		out = append(out, m)
	}
	return out, nil
}
