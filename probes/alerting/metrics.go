package alerting

import "github.com/prometheus/client_golang/prometheus"

var (
	descSent = prometheus.NewDesc("triage_alertmanager_posts_total",
		"POSTs of alert batches to an Alertmanager, by result (ok, failed).", []string{"alertmanager", "result"}, nil)
	descUp = prometheus.NewDesc("triage_alertmanager_up",
		"1 when the latest POST to the Alertmanager succeeded.", []string{"alertmanager"}, nil)
)

// Collector exposes the hand-off's health: a failing Alertmanager shows on
// /metrics (and so in Prometheus) rather than only in triage's log. URLs
// carry no credentials (config refuses them), so they are safe as labels.
func (n *Notifier) Collector() prometheus.Collector { return notifierCollector{n} }

// Collector is the notifier's collector, see Notifier.Collector.
func (h *HandOff) Collector() prometheus.Collector { return h.notifier.Collector() }

type notifierCollector struct{ n *Notifier }

func (c notifierCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descSent
	ch <- descUp
}

func (c notifierCollector) Collect(ch chan<- prometheus.Metric) {
	for _, t := range c.n.targets {
		ch <- prometheus.MustNewConstMetric(descSent, prometheus.CounterValue, float64(t.sent.Load()), t.base, "ok")
		ch <- prometheus.MustNewConstMetric(descSent, prometheus.CounterValue, float64(t.failed.Load()), t.base, "failed")
		up := 0.0
		if t.up.Load() {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up, t.base)
	}
}
