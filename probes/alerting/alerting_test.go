package alerting_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/alerting"
	"github.com/fivelayer/triage/probes/export"
	"github.com/fivelayer/triage/probes/incident"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// report grades results over a topology with api core and api → db.
func report(rs ...probes.Result) export.Report {
	topo := incident.NewTopology([]incident.Node{{Name: "api", Core: true, DependsOn: []string{"db"}}, {Name: "db"}})
	return export.Build("shop", t0, rs, topo)
}

func res(component, kind, check string, layer probes.Layer, st probes.Status, impact probes.Impact) probes.Result {
	return probes.Result{ID: component + "/" + kind + "/" + check, Component: component, Probe: kind, Kind: kind,
		Check: check, Layer: layer, Status: st, Impact: impact, Summary: check + " is " + st.String()}
}

func TestFiring(t *testing.T) {
	tests := []struct {
		name  string
		rep   export.Report
		names []string
		check func(t *testing.T, as []alerting.Alert)
	}{
		{name: "green sends nothing", rep: report(res("api", "tcp", "connect", probes.Network, probes.OK, probes.UserFacing))},
		{
			name:  "a down dependency is the root cause and the grade is red",
			rep:   report(res("api", "http", "status", probes.Application, probes.Crit, probes.UserFacing), res("db", "tcp", "connect", probes.Network, probes.Crit, probes.UserFacing)),
			names: []string{alerting.RootCauseAlert, alerting.GradeAlert},
			check: func(t *testing.T, as []alerting.Alert) {
				rc := as[0].Labels
				assert.Equal(t, map[string]string{"alertname": alerting.RootCauseAlert, "estate": "shop", "severity": "red",
					"component": "db", "probe": "tcp", "check": "connect", "layer": "network"}, rc)
				assert.Contains(t, as[0].Annotations["summary"], "db/tcp/connect crit")
				assert.Contains(t, as[0].Annotations["description"], "api/http/status", "the description says what it explains")
				assert.NotEmpty(t, as[0].Annotations["runbook"], "the runbook is the advice")
				assert.Equal(t, "red", as[1].Labels["severity"])
				assert.Equal(t, "db/tcp/connect", as[1].Annotations["root_cause"])
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			as := alerting.Firing(tc.rep)
			var names []string
			for _, a := range as {
				names = append(names, a.Labels["alertname"])
			}
			assert.Equal(t, tc.names, names)
			if tc.check != nil {
				tc.check(t, as)
			}
		})
	}
}

func TestManagerStartsResendsAndResolves(t *testing.T) {
	var batches [][]alerting.Alert
	m := alerting.NewManager(time.Minute, func(b []alerting.Alert) { batches = append(batches, b) })
	down := report(res("api", "tcp", "connect", probes.Network, probes.Crit, probes.UserFacing))
	up := report(res("api", "tcp", "connect", probes.Network, probes.OK, probes.UserFacing))

	steps := []struct {
		name    string
		rep     export.Report
		at      time.Duration
		sent    bool
		firing  int
		ended   int
		startAt time.Duration
	}{
		{"first failure is sent at once", down, 0, true, 2, 0, 0},
		{"unchanged within resend is not sent", down, 30 * time.Second, false, 0, 0, 0},
		{"resend is due", down, 61 * time.Second, true, 2, 0, 0},
		{"recovery sends endsAt now", up, 70 * time.Second, true, 0, 2, 0},
		{"resolved alerts are resent while retained", up, 131 * time.Second, true, 0, 2, 0},
		{"after retention nothing is left", up, 70*time.Second + alerting.ResolvedRetention + 2*time.Minute, false, 0, 0, 0},
	}
	for _, s := range steps {
		before := len(batches)
		now := t0.Add(s.at)
		m.Observe(s.rep, now)
		if !s.sent {
			assert.Equal(t, before, len(batches), s.name)
			continue
		}
		require.Equal(t, before+1, len(batches), s.name)
		firing, ended := 0, 0
		for _, a := range batches[len(batches)-1] {
			assert.Equal(t, t0, a.StartsAt, "%s: startsAt stays the first failure's", s.name)
			if a.EndsAt.After(now) {
				firing++
				assert.Equal(t, now.Add(4*time.Minute), a.EndsAt, "%s: firing alerts end four resends ahead", s.name)
			} else {
				ended++
				assert.Equal(t, t0.Add(70*time.Second), a.EndsAt, "%s: resolved at recovery", s.name)
			}
		}
		assert.Equal(t, s.firing, firing, s.name)
		assert.Equal(t, s.ended, ended, s.name)
	}
}

// amStub records posted batches; fail makes it answer 500, hang makes it
// hold requests until the test ends.
type amStub struct {
	mu      sync.Mutex
	batches [][]alerting.Alert
	fail    atomic.Int32 // answer 500 this many more times
	hang    atomic.Bool
	stop    chan struct{}
}

func (s *amStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.hang.Load() {
		select {
		case <-s.stop:
		case <-r.Context().Done():
		}
		return
	}
	if s.fail.Add(-1) >= 0 {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	var b []alerting.Alert
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path != "/api/v2/alerts" || json.Unmarshal(body, &b) != nil {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.batches = append(s.batches, b)
	s.mu.Unlock()
}

func (s *amStub) last() []alerting.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.batches) == 0 {
		return nil
	}
	return s.batches[len(s.batches)-1]
}

func batch(n int) []alerting.Alert {
	return []alerting.Alert{{Labels: map[string]string{"alertname": "A", "n": string(rune('a' + n))}, StartsAt: t0, EndsAt: t0.Add(time.Hour)}}
}

func TestNotifierRetriesTheNewestBatch(t *testing.T) {
	stub := &amStub{stop: make(chan struct{})}
	stub.fail.Store(3)
	srv := httptest.NewServer(stub)
	defer srv.Close()
	var attempts atomic.Int32
	n := alerting.NewNotifier([]string{srv.URL}, alerting.NotifierOptions{MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		OnResult: func(string, int, error) { attempts.Add(1) }})
	ctx, cancel := context.WithCancel(context.Background())
	n.Start(ctx)
	n.Send(batch(0))
	n.Send(batch(1))
	require.Eventually(t, func() bool { return stub.last() != nil }, time.Minute, 5*time.Millisecond)
	assert.Equal(t, batch(1)[0].Labels, stub.last()[0].Labels, "the newest batch supersedes the older")
	// The server has the batch before the notifier has read its answer:
	// wait for the fourth result rather than expect it already counted.
	require.Eventually(t, func() bool { return attempts.Load() >= 4 }, time.Minute, 5*time.Millisecond, "three failures, then success")
	reg := prometheus.NewRegistry()
	reg.MustRegister(n.Collector())
	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" {
					key += "/" + l.GetValue()
				}
			}
			got[key] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	assert.Equal(t, map[string]float64{"triage_alertmanager_posts_total/ok": 1, "triage_alertmanager_posts_total/failed": 3,
		"triage_alertmanager_up": 1}, got)
	cancel()
	n.Wait()
}

func TestNotifierNeverBlocksTheCaller(t *testing.T) {
	stub := &amStub{stop: make(chan struct{})}
	stub.hang.Store(true)
	srv := httptest.NewServer(stub)
	defer srv.Close()
	defer close(stub.stop)
	n := alerting.NewNotifier([]string{srv.URL}, alerting.NotifierOptions{Timeout: 50 * time.Millisecond, MinBackoff: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	n.Start(ctx)
	for i := range 1000 { // far more than any queue holds: every call must return
		n.Send(batch(i % 20))
	}
	stub.hang.Store(false)
	require.Eventually(t, func() bool { l := stub.last(); return l != nil && l[0].Labels["n"] == batch(999 % 20)[0].Labels["n"] },
		time.Minute, 5*time.Millisecond, "after the hang the newest batch arrives")
	cancel()
	n.Wait()
}

func TestSeverityStatus(t *testing.T) {
	tests := []struct {
		sev    string
		want   probes.Status
		latent bool
	}{
		{"critical", probes.Crit, false}, {"page", probes.Crit, false}, {"Red", probes.Crit, false},
		{"warning", probes.Warn, false}, {"", probes.Warn, false}, {"blue", probes.Warn, true},
		{"info", probes.OK, false}, {"none", probes.OK, false},
	}
	for _, tc := range tests {
		t.Run(tc.sev, func(t *testing.T) {
			st, latent := alerting.SeverityStatus(tc.sev)
			assert.Equal(t, tc.want, st)
			assert.Equal(t, tc.latent, latent)
		})
	}
}

func TestProbeConfigAndUnreachable(t *testing.T) {
	tests := []struct {
		name    string
		spec    probes.Spec
		wantErr string
	}{
		{"no scheme", probes.Spec{URL: "127.0.0.1:9093"}, "want http"},
		{"selector without braces", probes.Spec{URL: "http://127.0.0.1:9093", Selector: `team="db"`}, "braces"},
		{"empty selector", probes.Spec{URL: "http://127.0.0.1:9093", Selector: `{ }`}, "no matcher"},
		{"good", probes.Spec{URL: "http://127.0.0.1:9093", Selector: `{team="db", env=~"prod,eu"}`}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := alerting.NewProbe(tc.spec)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
		})
	}

	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now: connection refused
	p, err := alerting.NewProbe(probes.Spec{URL: url, Component: "alerts"})
	require.NoError(t, err)
	rs := p.Run(context.Background())
	require.Len(t, rs, 1)
	assert.Equal(t, probes.Unknown, rs[0].Status, "an unreadable alert source cannot see; it is not ok")
	assert.NotEmpty(t, rs[0].Err)
}
