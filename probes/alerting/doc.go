// Package alerting hands triage's diagnosis to Alertmanager (API v2) and
// reads the active alerts of an existing Alertmanager as checks.
//
// The hand-off (Manager, Notifier) sends one alert per root cause and one for
// the estate's grade, refreshes firing alerts every resend interval, as
// Alertmanager expects of its clients, and sends endsAt when they recover.
// Sending runs on goroutines of its own with a one-slot, latest-wins queue
// per Alertmanager and a timeout per request: an Alertmanager that is down or
// slow costs retries with backoff, never a stalled scheduler or scrape.
//
// The probe kind `alertmanager` (AlertmanagerKind) turns active alerts into
// checks, so alerts raised elsewhere show in the five layers.
package alerting
