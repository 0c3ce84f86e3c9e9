package serve_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/export"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/serve"
)

// snapshot is one completed round with the given results.
func snapshot(round int, end time.Time, rs ...probes.Result) probes.Snapshot {
	s := probes.Snapshot{Time: end, Round: round, RoundFinished: end}
	for _, r := range rs {
		s.Checks = append(s.Checks, probes.CheckState{Result: r, Probed: true})
	}
	return s
}

func result(component, probe, check string, layer probes.Layer, st probes.Status, impact probes.Impact) probes.Result {
	return probes.Result{ID: component + "/" + probe + "/" + check, Component: component, Probe: probe, Check: check,
		Kind: probe, Layer: layer, Status: st, Impact: impact, Summary: check + " " + st.String(),
		Value: probes.V(42), Unit: "ms", Duration: 1500 * time.Millisecond}
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandlerExposesTheLatestState(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := t0
	now := func() time.Time { return clock }
	topo := incident.NewTopology([]incident.Node{{Name: "api", Core: true}})
	live := serve.NewLive("shop", incident.NewTracker(topo), now)
	h := serve.Handler(live, serve.Options{StaleAfter: 5 * time.Second, Now: now})

	rec := get(t, h, "/healthz")
	assert.Equal(t, http.StatusOK, rec.Code, "starting is healthy")
	assert.Contains(t, rec.Body.String(), "starting")
	clock = t0.Add(6 * time.Second)
	rec = get(t, h, "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "a first round that never ends is not")
	clock = t0

	st := live.Apply(snapshot(1, t0,
		result("api", "tcp", "connect", probes.Network, probes.Crit, probes.UserFacing),
		result("db", "mysql", "replication", probes.Data, probes.OK, probes.Internal)))
	clock = t0.Add(2 * time.Second)

	tests := []struct {
		name, path string
		hdr        []string
		want       []string
	}{
		{"text", "/metrics", nil, []string{
			`triage_check_status{check="connect",component="api",estate="shop",layer="network",probe="tcp"} 2`,
			`triage_check_status{check="replication",component="db",estate="shop",layer="data",probe="mysql"} 0`,
			`triage_check_value{check="connect",component="api",estate="shop",layer="network",probe="tcp",unit="ms"} 42`,
			`triage_check_duration_seconds{check="connect",component="api",estate="shop",layer="network",probe="tcp"} 1.5`,
			`triage_grade{estate="shop"} 4`,
			`triage_root_cause{check="connect",component="api",estate="shop",layer="network",probe="tcp",severity="red"} 1`,
			`triage_snapshot_age_seconds{estate="shop"} 2`,
			`triage_rounds_total{estate="shop"} 1`,
			"go_goroutines", "process_start_time_seconds",
		}},
		{"openmetrics", "/metrics", []string{"Accept", "application/openmetrics-text; version=1.0.0"}, []string{
			`triage_grade{estate="shop"} 4`, "# EOF",
		}},
		{"healthz", "/healthz", nil, []string{"ok: round 1", "grade red"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, tc.path, tc.hdr...)
			require.Equal(t, http.StatusOK, rec.Code)
			for _, w := range tc.want {
				assert.Contains(t, rec.Body.String(), w)
			}
		})
	}

	t.Run("snapshot is check --format json", func(t *testing.T) {
		rec := get(t, h, "/api/v1/snapshot")
		require.Equal(t, http.StatusOK, rec.Code)
		var want bytes.Buffer
		require.NoError(t, export.JSON(&want, st.Report))
		assert.JSONEq(t, want.String(), rec.Body.String())
		assert.Equal(t, "2.000", rec.Header().Get("X-Triage-Snapshot-Age"))
	})

	t.Run("stale data is unhealthy", func(t *testing.T) {
		clock = t0.Add(6 * time.Second)
		rec := get(t, h, "/healthz")
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Contains(t, rec.Body.String(), "stale")
	})
}

func TestLiveAppliesForLikeTheScreen(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	topo := incident.NewTopology([]incident.Node{{Name: "api", Core: true}})
	live := serve.NewLive("shop", incident.NewTracker(topo), func() time.Time { return t0 })
	screen := incident.NewTracker(topo)
	r := result("api", "tcp", "connect", probes.Network, probes.Crit, probes.UserFacing)
	r.For = time.Minute

	st := live.Apply(snapshot(1, t0, r))
	want := screen.Update([]probes.Result{r}, t0)
	assert.Equal(t, want.Grade, st.Report.Severity, "pending for: holds the grade back on both")
	assert.Equal(t, incident.Green, st.Report.Severity)
	assert.Contains(t, st.Pending, r.ID)
	assert.Equal(t, probes.Crit, st.Raw[0].Status, "the metrics carry the status as probed")
}

// blockingProbe holds its round until release is closed or ctx ends.
type blockingProbe struct{ release chan struct{} }

func (p blockingProbe) Checks() []probes.Check {
	return []probes.Check{{Name: "slow", Layer: probes.Network, OnTimeout: probes.Crit}}
}

func (p blockingProbe) Run(ctx context.Context) []probes.Result {
	select {
	case <-p.release:
	case <-ctx.Done():
	}
	return []probes.Result{{Check: "slow", Status: probes.OK, Summary: "released"}}
}

func TestScrapeNeverWaitsForARound(t *testing.T) {
	release := make(chan struct{})
	s := probes.NewScheduler([]probes.Target{{Component: "api", ProbeID: "slow", Kind: "tcp",
		Probe: blockingProbe{release}, Timeout: time.Hour}}, probes.Options{Interval: time.Hour})
	live := serve.NewLive("shop", incident.NewTracker(nil), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	snaps := s.Subscribe()
	go live.Run(ctx, snaps)
	s.Start(ctx)
	require.Eventually(t, func() bool { return s.Snapshot().Running }, time.Minute, 10*time.Millisecond)

	srv := httptest.NewServer(serve.Handler(live, serve.Options{}))
	defer srv.Close()
	for _, path := range []string{"/metrics", "/api/v1/snapshot", "/healthz"} {
		resp, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.True(t, s.Snapshot().Running, "%s answered while the round was still running", path)
		if path == "/metrics" {
			assert.True(t, strings.Contains(string(body), `triage_rounds_total{estate="shop"} 0`))
		}
	}
	close(release)
}
