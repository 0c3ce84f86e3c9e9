package host

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/fivelayer/triage/probes"
)

const (
	// rateWindow is the range of the irate() queries: irate uses the last two
	// samples, and 2m finds them for scrape intervals up to a minute.
	rateWindow = "2m"
	// maxInstances bounds the instances one probe follows.
	maxInstances = 5000
	// forgetAfter is how many rounds an instance may be missing before the
	// probe stops reporting it unknown.
	forgetAfter = 60
)

// fleetGauges are the node_exporter gauges and counters read raw (the rate
// ones are queried with irate), plus up to tell a down target.
var fleetGauges = []string{
	"up",
	"node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes",
	"node_memory_SwapTotal_bytes", "node_memory_SwapFree_bytes",
	"node_load1", "node_load5", "node_load15",
	"node_filesystem_size_bytes", "node_filesystem_avail_bytes", "node_filesystem_free_bytes",
	"node_filesystem_files", "node_filesystem_files_free",
	"node_filesystem_readonly", "node_filesystem_device_error",
	"node_filefd_allocated", "node_filefd_maximum",
	"node_tcp_connection_states", "node_sockstat_TCP_tw", "node_netstat_Tcp_CurrEstab",
	"node_vmstat_oom_kill",
}

// instances is what the fleet remembers between rounds: each instance's
// previous sample (OOM-kill deltas) and how many rounds it has been missing.
type instances struct {
	prev   map[string]*HostSample
	missed map[string]int
}

func newInstances() instances {
	return instances{prev: map[string]*HostSample{}, missed: map[string]int{}}
}

// fleetQueries are the queries of one fleet round, by purpose.
type fleetQueries struct{ gauges, cpu, cores, reads, writes string }

func (p *Prometheus) fleetQueries() fleetQueries {
	sel := func(extra ...string) string {
		parts := append([]string{}, extra...)
		if p.matchers != "" {
			parts = append(parts, p.matchers)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	pseudo := make([]string, 0, len(pseudoFS))
	for fs := range pseudoFS {
		if fs != "overlay" { // an overlay root is a container's disk
			pseudo = append(pseudo, fs)
		}
	}
	sort.Strings(pseudo)
	// fstype!~ keeps every series without an fstype label (their fstype is "").
	gauges := sel(fmt.Sprintf(`__name__=~%q`, strings.Join(fleetGauges, "|")),
		fmt.Sprintf(`fstype!~%q`, strings.Join(pseudo, "|")))
	return fleetQueries{
		gauges: gauges,
		cpu:    fmt.Sprintf("sum by (instance, mode) (irate(node_cpu_seconds_total%s[%s]))", sel(), rateWindow),
		cores:  fmt.Sprintf("count by (instance) (node_cpu_seconds_total%s)", sel(`mode="idle"`)),
		reads:  fmt.Sprintf("irate(node_disk_reads_completed_total%s[%s])", sel(), rateWindow),
		writes: fmt.Sprintf("irate(node_disk_writes_completed_total%s[%s])", sel(), rateWindow),
	}
}

// runFleet queries the fleet and grades every instance.
func (p *Prometheus) runFleet(ctx context.Context, now time.Time) []probes.Result {
	q := p.fleetQueries()
	texts := []string{q.gauges, q.cpu, q.cores, q.reads, q.writes}
	vecs := make([]model.Vector, len(texts))
	errs := make([]error, len(texts))
	var wg sync.WaitGroup
	for i, text := range texts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := p.query(ctx, text, now)
			if err == nil {
				vec, ok := v.(model.Vector)
				if !ok {
					err = fmt.Errorf("query %s: got %s, want a vector", text, v.Type())
				}
				vecs[i] = vec
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return p.fleetDown(promFailure(firstErr(errs)), err)
	}
	byInst := groupByInstance(vecs)
	names := make([]string, 0, len(byInst))
	for inst, v := range byInst {
		if inst == "" {
			continue // no instance label: nothing to name a component after
		}
		if hasNodeSeries(v.gauges) || v.up == 0 {
			names = append(names, inst)
		}
	}
	sort.Strings(names)
	truncated := len(names) > maxInstances
	names = names[:min(len(names), maxInstances)]

	out := []probes.Result{p.instancesResult(names, byInst, truncated)}
	seen := map[string]bool{}
	for _, inst := range names {
		seen[inst] = true
		delete(p.missed, inst)
		v := byInst[inst]
		if v.up == 0 {
			if _, ok := p.prev[inst]; !ok {
				p.prev[inst] = nil // known, for the rounds it goes missing
			}
			out = append(out, withComponent(inst, unknownAll(checkNames(HostChecks),
				"prometheus cannot scrape this instance (up == 0)", nil))...)
			continue
		}
		cur := v.sample(now)
		rs := Evaluate(p.prev[inst], cur, p.spec)
		p.prev[inst] = cur
		out = append(out, withComponent(inst, rs)...)
	}
	for inst := range p.prev {
		if seen[inst] {
			continue
		}
		p.missed[inst]++
		if p.missed[inst] > forgetAfter {
			delete(p.prev, inst)
			delete(p.missed, inst)
			continue
		}
		out = append(out, withComponent(inst, unknownAll(checkNames(HostChecks),
			"instance no longer reported by prometheus for "+p.selector, nil))...)
	}
	return out
}

// fleetDown makes the instances check and every known instance's checks unknown.
func (p *Prometheus) fleetDown(summary string, err error) []probes.Result {
	out := []probes.Result{unknown(CheckInstances, summary, err)}
	known := make([]string, 0, len(p.prev))
	for inst := range p.prev {
		known = append(known, inst)
	}
	sort.Strings(known)
	for _, inst := range known {
		out = append(out, withComponent(inst, unknownAll(checkNames(HostChecks), summary, err))...)
	}
	return out
}

func (p *Prometheus) instancesResult(names []string, byInst map[string]*instanceData, truncated bool) probes.Result {
	down := []string{}
	for _, n := range names {
		if byInst[n].up == 0 {
			down = append(down, n)
		}
	}
	ev := map[string]any{"selector": p.selector, "instances": names, "down": down, "truncated": truncated}
	if len(names) == 0 {
		r := unknown(CheckInstances, "no node_exporter instance matches "+p.selector, nil)
		r.Evidence, r.Value, r.Unit = ev, probes.V(0), "instances"
		return r
	}
	r := base(CheckInstances)
	r.Summary = fmt.Sprintf("%d instances match %s", len(names), p.selector)
	if len(down) > 0 {
		r.Summary += fmt.Sprintf(" (%d not scraped: up == 0)", len(down))
	}
	r.Value, r.Unit, r.Evidence = probes.V(float64(len(names))), "instances", ev
	return r
}

// instanceData is one instance's part of the fleet queries.
type instanceData struct {
	gauges        metricSet
	up            float64 // -1: no up series
	cpu           *CPUTimes
	cores         int
	reads, writes []series
}

// sample builds the instance's HostSample: gauges as node_exporter's, CPU
// and IOPS from the irate queries.
func (d *instanceData) sample(now time.Time) *HostSample {
	s := sampleFromMetrics(d.gauges, now)
	delete(s.Errs, CheckCPU)
	delete(s.Errs, CheckIOPS)
	s.CPURate, s.Cores = d.cpu, d.cores
	if d.cpu == nil {
		s.Errs[CheckCPU] = fmt.Errorf("%w: irate(node_cpu_seconds_total[%s]) has no result (fewer than two scrapes yet?)", ErrMetricMissing, rateWindow)
	}
	if d.reads == nil && d.writes == nil {
		s.Errs[CheckIOPS] = fmt.Errorf("%w: irate(node_disk_*_completed_total[%s]) has no result", ErrMetricMissing, rateWindow)
	} else {
		s.DiskRates = diskSeries(d.reads, d.writes)
	}
	return s
}

// groupByInstance splits the fleet query results by their instance label.
func groupByInstance(vecs []model.Vector) map[string]*instanceData {
	out := map[string]*instanceData{}
	at := func(m model.Metric) *instanceData {
		inst := string(m[model.InstanceLabel])
		d, ok := out[inst]
		if !ok {
			d = &instanceData{gauges: metricSet{}, up: -1}
			out[inst] = d
		}
		return d
	}
	for _, s := range vecs[0] {
		d := at(s.Metric)
		name := string(s.Metric[model.MetricNameLabel])
		if name == "up" {
			d.up = max(d.up, float64(s.Value))
			continue
		}
		d.gauges[name] = append(d.gauges[name], series{labels: s.Metric, value: float64(s.Value)})
	}
	for _, s := range vecs[1] {
		d := at(s.Metric)
		if d.cpu == nil {
			d.cpu = &CPUTimes{}
		}
		addMode(d.cpu, string(s.Metric["mode"]), float64(s.Value))
	}
	for _, s := range vecs[2] {
		at(s.Metric).cores = int(s.Value)
	}
	for _, s := range vecs[3] {
		d := at(s.Metric)
		d.reads = append(d.reads, series{labels: s.Metric, value: float64(s.Value)})
	}
	for _, s := range vecs[4] {
		d := at(s.Metric)
		d.writes = append(d.writes, series{labels: s.Metric, value: float64(s.Value)})
	}
	return out
}

// hasNodeSeries reports whether an instance exposes any node_ gauge.
func hasNodeSeries(m metricSet) bool {
	for name := range m {
		if strings.HasPrefix(name, "node_") {
			return true
		}
	}
	return false
}

// withComponent sets every result's component to the instance.
func withComponent(inst string, rs []probes.Result) []probes.Result {
	for i := range rs {
		rs[i].Component = inst
	}
	return rs
}

func firstErr(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
