package host

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// mountView is what the disk and inodes checks read from a mount.
type mountView struct {
	check string
	what  string // "used" / "inodes used", for summaries
	// usage returns used, total and whether the mount has this resource.
	usage func(m Mount) (used, total float64, ok bool)
	// row adds the check's own evidence fields to a mount's row.
	row func(m Mount, row map[string]any)
}

var diskView = mountView{
	check: CheckDisk, what: "used",
	usage: func(m Mount) (float64, float64, bool) {
		// df's Use%: the root reserve counts as neither used nor available.
		used := max(m.SizeBytes-m.FreeBytes, 0)
		return used, used + m.AvailBytes, m.SizeBytes > 0
	},
	row: func(m Mount, row map[string]any) {
		row["size_bytes"] = u64(m.SizeBytes)
		row["used_bytes"] = u64(m.SizeBytes - m.FreeBytes)
		row["avail_bytes"] = u64(m.AvailBytes)
		row["read_only"] = m.ReadOnly
	},
}

var inodeView = mountView{
	check: CheckInodes, what: "inodes used",
	usage: func(m Mount) (float64, float64, bool) {
		return max(m.Files-m.FilesFree, 0), m.Files, m.Files > 0
	},
	row: func(m Mount, row map[string]any) {
		row["inodes_total"] = u64(m.Files)
		row["inodes_used"] = u64(m.Files - m.FilesFree)
		row["inodes_free"] = u64(m.FilesFree)
	},
}

// evalMounts grades every mount; the worst mount decides, and a mount that
// could not be measured counts as unknown.
func evalMounts(cur *HostSample, spec probes.Spec, v mountView) probes.Result {
	if r, bad := failed(cur, v.check, "filesystems"); bad {
		return r
	}
	if len(cur.Mounts) == 0 {
		return unknown(v.check, "no real filesystem found", nil)
	}
	t := threshold(spec, v.check)
	mounts := append([]Mount(nil), cur.Mounts...)
	sort.Slice(mounts, func(i, j int) bool { return mounts[i].Mountpoint < mounts[j].Mountpoint })

	var (
		rows             []map[string]any
		errs             []string
		worst            = -1.0
		worstMount       string
		status, measured = probes.OK, 0
	)
	for _, m := range mounts {
		row := map[string]any{"mountpoint": m.Mountpoint, "device": m.Device, "fstype": m.FSType}
		if m.Err != "" {
			row["status"], row["error"] = probes.Unknown.String(), m.Err
			rows = append(rows, row)
			errs = append(errs, m.Mountpoint+": "+m.Err)
			status = probes.Worst(status, probes.Unknown)
			continue
		}
		used, total, ok := v.usage(m)
		if !ok || total <= 0 {
			continue // no such resource here (size 0, or no inode limit)
		}
		p := pct(used, total)
		st := t.Grade(p)
		v.row(m, row)
		row["used_percent"], row["status"] = round2(p), st.String()
		rows = append(rows, row)
		status = probes.Worst(status, st)
		measured++
		if p > worst {
			worst, worstMount = p, m.Mountpoint
		}
	}
	ev := map[string]any{"mounts": rows}
	if measured == 0 {
		if len(errs) == 0 {
			r := base(v.check)
			r.Summary, r.Evidence = fmt.Sprintf("no filesystem has a limit on %s", strings.TrimSuffix(v.what, " used")), ev
			return r
		}
		r := unknown(v.check, "no filesystem could be measured: "+errs[0], fmt.Errorf("%s", strings.Join(errs, "; ")))
		r.Evidence = ev
		return r
	}
	ev["worst_mountpoint"] = worstMount
	s := fmt.Sprintf("%s %.1f%% %s (%s)", worstMount, worst, v.what, plural(measured, "mount"))
	r := graded(v.check, t, worst, s, "%", ev)
	if len(errs) > 0 {
		r.Status = probes.Worst(r.Status, status)
		r.Summary += fmt.Sprintf("; %d unmeasurable: %s", len(errs), errs[0])
		r.Err = strings.Join(errs, "; ")
	}
	return r
}
