package export

import (
	"io"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"
)

// Prometheus writes the report in the text exposition format:
// triage_severity, triage_layer_status, and per check triage_check_status,
// triage_check_value and triage_check_duration_seconds. Statuses are numbers:
// 0 ok, 1 warn, 2 crit, 3 unknown; severity 0 green … 4 red.
func Prometheus(w io.Writer, r Report) error {
	gauge := func(name, help string) *dto.MetricFamily {
		return &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: dto.MetricType_GAUGE.Enum()}
	}
	add := func(mf *dto.MetricFamily, v float64, labels ...string) {
		m := &dto.Metric{Gauge: &dto.Gauge{Value: proto.Float64(v)}}
		for i := 0; i+1 < len(labels); i += 2 {
			m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(labels[i]), Value: proto.String(labels[i+1])})
		}
		mf.Metric = append(mf.Metric, m)
	}
	sev := gauge("triage_severity", "Estate grade: 0 green, 1 blue, 2 yellow, 3 orange, 4 red.")
	add(sev, float64(r.Severity), "estate", r.Estate, "grade", r.Severity.String())
	layer := gauge("triage_layer_status", "Worst check status per layer: 0 ok, 1 warn, 2 crit, 3 unknown.")
	status := gauge("triage_check_status", "Check status: 0 ok, 1 warn, 2 crit, 3 unknown.")
	value := gauge("triage_check_value", "The check's key value, in the unit of its unit label.")
	took := gauge("triage_check_duration_seconds", "How long the check's probe took.")
	for _, l := range r.Layers {
		add(layer, float64(l.Status), "estate", r.Estate, "layer", l.Layer.String())
		for _, c := range l.Checks {
			ls := []string{"estate", r.Estate, "id", c.ID, "component", c.Component, "probe", c.Probe, "check", c.Check, "layer", c.Layer.String()}
			add(status, float64(c.Status), ls...)
			if c.Value != nil {
				add(value, *c.Value, append(ls, "unit", c.Unit)...)
			}
			add(took, c.Duration.Seconds(), ls...)
		}
	}
	for _, mf := range []*dto.MetricFamily{sev, layer, status, value, took} {
		if len(mf.Metric) == 0 {
			continue
		}
		if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
			return err
		}
	}
	return nil
}
