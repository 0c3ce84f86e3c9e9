package host

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// maxDeviceRows caps the devices listed in the iops evidence.
const maxDeviceRows = 20

func evalIOPS(prev, cur *HostSample, spec probes.Spec) probes.Result {
	if r, bad := failed(cur, CheckIOPS, "disk counters"); bad {
		return r
	}
	rates := cur.DiskRates
	window := 0.0
	if rates == nil {
		switch {
		case cur.Disks == nil:
			return unknown(CheckIOPS, "disk counters not reported", nil)
		case prev == nil || prev.Disks == nil:
			r := unknown(CheckIOPS, firstSample, nil)
			r.Warmup = true
			return r
		}
		window = cur.Time.Sub(prev.Time).Seconds()
		if window <= 0 {
			return unknown(CheckIOPS, "samples taken at the same time; no rate", nil)
		}
		rates = diskRates(prev.Disks, cur.Disks, window)
	}
	if len(rates) == 0 {
		return unknown(CheckIOPS, "no block device reported", nil)
	}
	sort.SliceStable(rates, func(i, j int) bool {
		a, b := rates[i].Reads+rates[i].Writes, rates[j].Reads+rates[j].Writes
		if a != b {
			return a > b
		}
		return rates[i].Device < rates[j].Device
	})
	total := 0.0
	rows := make([]map[string]any, 0, min(len(rates), maxDeviceRows))
	for i, d := range rates {
		total += d.Reads + d.Writes
		if i < maxDeviceRows {
			rows = append(rows, map[string]any{
				"device": d.Device, "iops": round2(d.Reads + d.Writes),
				"reads_per_second": round2(d.Reads), "writes_per_second": round2(d.Writes),
			})
		}
	}
	top := rates[0]
	ev := map[string]any{"devices": rows, "busiest_device": top.Device, "total_iops": round2(total)}
	if window > 0 {
		ev["window_seconds"] = round2(window)
	}
	s := fmt.Sprintf("%s %.0f IOPS (%.0f reads/s, %.0f writes/s)", top.Device, top.Reads+top.Writes, top.Reads, top.Writes)
	return graded(CheckIOPS, threshold(spec, CheckIOPS), top.Reads+top.Writes, s, "IOPS", ev)
}

// diskRates turns two counter samples into per-second rates; a device new in
// cur or whose counters went back (reset) is left out this round.
func diskRates(prev, cur []DiskIO, window float64) []DiskIO {
	before := make(map[string]DiskIO, len(prev))
	for _, d := range prev {
		before[d.Device] = d
	}
	out := make([]DiskIO, 0, len(cur))
	for _, d := range cur {
		p, ok := before[d.Device]
		if !ok || d.Reads < p.Reads || d.Writes < p.Writes {
			continue
		}
		out = append(out, DiskIO{Device: d.Device, Reads: (d.Reads - p.Reads) / window, Writes: (d.Writes - p.Writes) / window})
	}
	return out
}

func evalSockets(cur *HostSample, spec probes.Spec) probes.Result {
	if r, bad := failed(cur, CheckSockets, "TCP sockets"); bad {
		return r
	}
	s := cur.Sockets
	if s == nil {
		return unknown(CheckSockets, "TCP socket states not reported", nil)
	}
	count := func(state string) (float64, bool) {
		v, ok := s.States[state]
		return v, ok || s.Complete
	}
	cw, cwKnown := count("close_wait")
	tw, twKnown := count("time_wait")
	est, estKnown := count("established")
	states := make(map[string]any, len(s.States))
	for k, v := range s.States {
		states[k] = u64(v)
	}
	ev := map[string]any{"states": states, "complete": s.Complete, "source": s.Source}
	if !s.Complete && s.EstablishedOrCloseWait >= 0 {
		ev["established_or_close_wait"] = u64(s.EstablishedOrCloseWait)
	}
	if !cwKnown && !twKnown {
		r := unknown(CheckSockets, "neither CLOSE_WAIT nor TIME_WAIT counts reported", nil)
		r.Evidence = ev
		return r
	}
	tcw, ttw := threshold(spec, CheckSockets), threshold(spec, ThresholdTimeWait)
	r := base(CheckSockets)
	r.Unit, r.Evidence = "sockets", ev
	var parts []string
	if cwKnown {
		ev["close_wait"] = u64(cw)
		if s.CloseWaitAge > 0 {
			ev["close_wait_age_s"] = math.Round(s.CloseWaitAge.Seconds()*10) / 10
		}
		r.Status, r.Value, r.For = tcw.Grade(cw), probes.V(cw), tcw.ForDuration()
		parts = append(parts, fmt.Sprintf("CLOSE_WAIT %.0f%s", cw, breach(tcw, r.Status, "")))
	}
	if twKnown {
		ev["time_wait"] = u64(tw)
		st := ttw.Grade(tw)
		if st.Worse(r.Status) {
			r.Status, r.For = st, ttw.ForDuration()
		}
		parts = append(parts, fmt.Sprintf("TIME_WAIT %.0f%s", tw, breach(ttw, st, "")))
	}
	if estKnown {
		ev["established"] = u64(est)
		parts = append(parts, fmt.Sprintf("ESTABLISHED %.0f", est))
	}
	r.Summary = strings.Join(parts, ", ")
	if !cwKnown {
		r.Summary += "; CLOSE_WAIT not exposed (run node_exporter with --collector.tcpstat)"
	}
	return r
}
