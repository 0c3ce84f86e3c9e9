package serve

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// checkLabels are the labels that name one check across a fleet of triage
// instances: estate tells the instances apart, the rest is the check id.
var checkLabels = []string{"estate", "component", "probe", "check", "layer"}

// Metric descriptions. Statuses are numbers so that PromQL can compare them:
// 0 ok, 1 warn, 2 crit, 3 unknown; grades 0 green, 1 blue, 2 yellow,
// 3 orange, 4 red.
var (
	descStatus = prometheus.NewDesc("triage_check_status",
		"Check status as probed (before for:): 0 ok, 1 warn, 2 crit, 3 unknown.", checkLabels, nil)
	descValue = prometheus.NewDesc("triage_check_value",
		"The check's key value, in the unit of its unit label.", append(checkLabels[:len(checkLabels):len(checkLabels)], "unit"), nil)
	descDuration = prometheus.NewDesc("triage_check_duration_seconds",
		"How long the check's probe took in the latest round.", checkLabels, nil)
	descGrade = prometheus.NewDesc("triage_grade",
		"Estate grade after for: (the screen's): 0 green, 1 blue, 2 yellow, 3 orange, 4 red.", []string{"estate"}, nil)
	descLayer = prometheus.NewDesc("triage_layer_status",
		"Worst check status per layer after for:: 0 ok, 1 warn, 2 crit, 3 unknown (unknown when not watched).", []string{"estate", "layer"}, nil)
	descRootCause = prometheus.NewDesc("triage_root_cause",
		"A root cause of the diagnosis; the value is its rank, 1 for the most likely. severity is the grade it raises.",
		[]string{"estate", "component", "probe", "check", "layer", "severity"}, nil)
	descAge = prometheus.NewDesc("triage_snapshot_age_seconds",
		"Age of the served data: time since the latest complete probe round ended.", []string{"estate"}, nil)
	descRounds = prometheus.NewDesc("triage_rounds_total",
		"Probe rounds completed since triage started.", []string{"estate"}, nil)
)

// Collector exposes a Live's latest state. Collect reads one atomic pointer:
// a scrape never waits for a probe round.
type Collector struct {
	live *Live
	now  func() time.Time
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector over live; now is the clock (nil: time.Now).
func NewCollector(live *Live, now func() time.Time) *Collector {
	if now == nil {
		now = time.Now
	}
	return &Collector{live: live, now: now}
}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStatus, descValue, descDuration, descGrade, descLayer, descRootCause, descAge, descRounds} {
		ch <- d
	}
}

// Collect sends the latest state's metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.live.Current()
	rep := st.Report
	estate := rep.Estate
	gauge := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	gauge(descGrade, float64(rep.Severity), estate)
	gauge(descAge, c.live.Age(c.now()).Seconds(), estate)
	ch <- prometheus.MustNewConstMetric(descRounds, prometheus.CounterValue, float64(st.Round), estate)
	for _, l := range rep.Layers {
		gauge(descLayer, float64(l.Status), estate, l.Layer.String())
	}
	for _, r := range st.Raw {
		lv := []string{estate, r.Component, r.Probe, r.Check, r.Layer.String()}
		gauge(descStatus, float64(r.Status), lv...)
		gauge(descDuration, r.Duration.Seconds(), lv...)
		if r.Value != nil {
			gauge(descValue, *r.Value, append(lv, r.Unit)...)
		}
	}
	for i, rc := range rep.Diagnosis.RootCauses {
		probe, check := splitCheckID(rc.CheckID, rc.Component)
		gauge(descRootCause, float64(i+1), estate, rc.Component, probe, check, rc.Layer.String(), rc.Grade.String())
	}
}

// splitCheckID returns the probe and check of id "component/probe/check";
// component names hold no '/', so the component prefix is cut by length.
func splitCheckID(id, component string) (probe, check string) {
	rest := id
	if len(id) > len(component) && id[:len(component)+1] == component+"/" {
		rest = id[len(component)+1:]
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' {
			return rest[:i], rest[i+1:]
		}
	}
	return "", rest
}
