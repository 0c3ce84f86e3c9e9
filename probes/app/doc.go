// Package app holds the application-layer probe kinds: `metrics` (a Prometheus
// or OpenMetrics scrape of an application: 5xx share, latency percentiles,
// connection pool, circuit breakers), `nginx` (upstream failures counted from
// the error log, followed from its end, and stub_status connections) and
// `systemd` (a unit's state and restart count, locally or through ssh).
//
// Rates are computed between two rounds: each probe keeps its previous sample.
package app
