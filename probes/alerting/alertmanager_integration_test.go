package alerting_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/alerting"
	"github.com/fivelayer/triage/probes/serve"
	"github.com/fivelayer/triage/probes/serve/servetest"
)

// deadline bounds every wait: many estate intervals, for a busy machine.
const deadline = 200 * servetest.Interval

// amAlerts lists an Alertmanager's unresolved alerts through its API v2.
func amAlerts(t *testing.T, base string) []map[string]any {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(base + "/api/v2/alerts")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var out []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}

// find returns the alerts whose labels include want.
func find(alerts []map[string]any, want map[string]string) []map[string]any {
	var out []map[string]any
next:
	for _, a := range alerts {
		ls, _ := a["labels"].(map[string]any)
		for k, v := range want {
			if ls[k] != v {
				continue next
			}
		}
		out = append(out, a)
	}
	return out
}

// webhook records Alertmanager's notifications: status and alert names.
type webhook struct {
	mu   sync.Mutex
	seen []string // "firing TriageRootCause", "resolved TriageRootCause"
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		Alerts []struct {
			Status string            `json:"status"`
			Labels map[string]string `json:"labels"`
		} `json:"alerts"`
	}
	_ = json.NewDecoder(r.Body).Decode(&msg)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range msg.Alerts {
		h.seen = append(h.seen, a.Status+" "+a.Labels["alertname"])
	}
}

func (h *webhook) has(s string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range h.seen {
		if x == s {
			return true
		}
	}
	return false
}

// amConfig routes everything to url at once, resolved notifications included.
func amConfig(url string) string {
	return fmt.Sprintf(`route: {receiver: hook, group_by: [alertname, component], group_wait: 1s, group_interval: 1s, repeat_interval: 1h}
receivers:
  - name: hook
    webhook_configs: [{url: %q, send_resolved: true}]
`, url)
}

// handOff wires an estate's Live to Alertmanager as `triage serve` does.
func handOff(t *testing.T, e *servetest.Estate, am string, resend time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	h := alerting.StartHandOff(ctx, []string{am}, alerting.HandOffOptions{Resend: resend, Timeout: 2 * time.Second})
	e.Live.Observe(func(st serve.State) { h.ObserveReport(st.Report) })
	t.Cleanup(func() { cancel(); h.Wait() })
}

// TestAlertmanagerReceivesAndResolves: a check goes crit → Alertmanager
// holds the root-cause and grade alerts; it recovers → they are resolved
// long before their endsAt would have lapsed, and the receiver is told.
func TestAlertmanagerReceivesAndResolves(t *testing.T) {
	hook := &webhook{}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	am := testenv.StartAlertmanager(t, amConfig(hs.URL))
	e := servetest.Start(t, "")
	// A resend far beyond the test's deadline: a firing alert's endsAt is
	// four resends ahead, so only the resolution can make it disappear.
	handOff(t, e, am.URL, time.Hour)

	e.SetDown(true)
	rootCause := map[string]string{"alertname": alerting.RootCauseAlert, "estate": "shop", "component": "api", "check": "status", "severity": "red"}
	grade := map[string]string{"alertname": alerting.GradeAlert, "estate": "shop", "severity": "red"}
	var got []map[string]any
	require.True(t, servetest.WaitFor(deadline, func() bool {
		got = amAlerts(t, am.URL)
		return len(find(got, rootCause)) == 1 && len(find(got, grade)) == 1
	}), "Alertmanager holds the root cause and the grade; it has %v", got)
	ann, _ := find(got, rootCause)[0]["annotations"].(map[string]any)
	assert.Contains(t, ann["summary"], "api/http/status crit")
	assert.NotEmpty(t, ann["runbook"])
	require.True(t, servetest.WaitFor(deadline, func() bool { return hook.has("firing " + alerting.RootCauseAlert) }),
		"the receiver was notified")

	e.SetDown(false)
	require.True(t, servetest.WaitFor(deadline, func() bool {
		got = amAlerts(t, am.URL)
		return len(find(got, map[string]string{"estate": "shop"})) == 0
	}), "the alerts are resolved after recovery; Alertmanager still has %v", got)
	require.True(t, servetest.WaitFor(deadline, func() bool { return hook.has("resolved " + alerting.RootCauseAlert) }),
		"the receiver was told of the resolution")
}

// metricValue reads one sample of a /metrics body.
func metricValue(body, series string) (float64, bool) {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// TestAlertmanagerKilledMidIncident: once the Alertmanager dies, scrapes
// still answer and rounds keep completing while the hand-off retries.
func TestAlertmanagerKilledMidIncident(t *testing.T) {
	am := testenv.StartAlertmanager(t, "")
	e := servetest.Start(t, "")
	handOff(t, e, am.URL, servetest.Interval)
	e.SetDown(true)
	require.True(t, servetest.WaitFor(deadline, func() bool {
		return len(find(amAlerts(t, am.URL), map[string]string{"alertname": alerting.RootCauseAlert})) == 1
	}), "the incident reached Alertmanager")
	am.Stop()

	client := &http.Client{Timeout: 30 * time.Second}
	scrape := func() string {
		resp, err := client.Get(e.URL + "/metrics")
		require.NoError(t, err, "/metrics answers with Alertmanager gone")
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	rounds := func() float64 {
		v, ok := metricValue(scrape(), `triage_rounds_total{estate="shop"}`)
		require.True(t, ok)
		return v
	}
	start := rounds()
	require.True(t, servetest.WaitFor(deadline, func() bool { return rounds() >= start+5 }),
		"rounds keep completing while the hand-off retries a dead Alertmanager")
	body := scrape()
	grade, _ := metricValue(body, `triage_grade{estate="shop"}`)
	assert.Equal(t, 4.0, grade, "the incident is still served")
}

// TestProbeShowsAlertsOfARealAlertmanager: an alert posted to a real
// Alertmanager becomes a crit check of the component its label names.
func TestProbeShowsAlertsOfARealAlertmanager(t *testing.T) {
	am := testenv.StartAlertmanager(t, "")
	now := time.Now().UTC()
	post := []alerting.Alert{
		{Labels: map[string]string{"alertname": "DiskFull", "severity": "critical", "component": "db-primary", "team": "db", "layer": "server"},
			Annotations: map[string]string{"summary": "/var/lib/mysql 97% full"}, StartsAt: now, EndsAt: now.Add(time.Hour)},
		{Labels: map[string]string{"alertname": "SlowQueries", "severity": "warning", "team": "db"}, StartsAt: now, EndsAt: now.Add(time.Hour)},
		{Labels: map[string]string{"alertname": "Other", "severity": "critical", "team": "web"}, StartsAt: now, EndsAt: now.Add(time.Hour)},
	}
	body, err := json.Marshal(post)
	require.NoError(t, err)
	resp, err := http.Post(am.URL+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	p, err := alerting.NewProbe(probes.Spec{Kind: "alertmanager", URL: am.URL, Selector: `{team="db"}`, Component: "alerts"})
	require.NoError(t, err)
	var rs []probes.Result
	require.True(t, servetest.WaitFor(deadline, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rs = p.Run(ctx)
		return len(rs) == 3
	}), "the probe sees the two alerts of team db: %v", rs)
	byID := map[string]probes.Result{}
	for _, r := range rs {
		c := r.Component
		if c == "" {
			c = "alerts"
		}
		byID[c+"/"+r.Check] = r
	}
	disk := byID["db-primary/alert_DiskFull"]
	assert.Equal(t, probes.Crit, disk.Status)
	assert.Equal(t, probes.Server, disk.Layer)
	assert.Contains(t, disk.Summary, "97% full")
	assert.Equal(t, probes.Warn, byID["alerts/alert_SlowQueries"].Status, "no component label: the probe's own component")
	assert.Equal(t, probes.OK, byID["alerts/alerts"].Status)
	assert.Contains(t, byID["alerts/alerts"].Summary, "2 active alert(s)")
}
