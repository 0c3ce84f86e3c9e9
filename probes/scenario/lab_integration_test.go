package scenario_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/kinds"
	"github.com/fivelayer/triage/probes/lab/training"
)

// The lab's own faults, on its real loopback servers (the invoice app, its
// proxy front with the nginx-style error log, the DNS server, the TLS port,
// and its data layer where MariaDB and Redis are installed). The lab
// enables restart on invoice-api (docs/lab.md), so the application's faults
// offer it.
func TestLabScenarios(t *testing.T) {
	tests := []struct {
		fault string
		want  want
	}{
		{"port-closed", want{grade: incident.Red, cause: "invoice-api/tcp/connect", chain: []string{"nginx", "invoice-api"},
			adviceHas: "nothing listens on", explains: []string{"invoice-api/http/status"}, action: incident.Restart}},
		{"503-storm", want{grade: incident.Red, cause: "invoice-api/http/status", chain: []string{"nginx", "invoice-api"},
			adviceHas: "answers HTTP 503", action: incident.Restart}},
		{"pool-exhausted", want{grade: incident.Red, cause: "invoice-api/metrics/pool", chain: []string{"nginx", "invoice-api"},
			adviceHas: "the connection pool is exhausted", explains: []string{"invoice-api/http/status"}, action: incident.Restart}},
		{"dns-servfail", want{grade: incident.Orange, cause: "lab-dns/dns/resolve", chain: []string{"nginx", "lab-dns"},
			adviceHas: "SERVFAIL"}},
		{"cert-expiring", want{grade: incident.Orange, cause: "nginx/tls/certificate", chain: []string{"nginx"},
			adviceHas: "renew the certificate for invoice.lab"}},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			e, err := training.Start(context.Background(), kinds.Registry)
			require.NoError(t, err)
			t.Cleanup(e.Close)
			require.NoError(t, e.Toggle(tt.fault))
			cfg := e.Config()
			a, results := diagnose(t, cfg, 1500*time.Millisecond)
			expect(t, a, results, cfg.Topology(), tt.want)
			for _, rc := range a.Diagnosis.RootCauses {
				assert.NotEqual(t, "lab-host", rc.Component, "the machine triage runs on is an observer, never the estate's cause")
			}
			if tt.fault != "503-storm" {
				return
			}
			// The guide stops at the application step with the app's
			// evidence, however busy this machine is.
			steps := incident.Walk(a, results, nil)
			require.Len(t, steps, 7)
			assert.True(t, steps[4].Here, "application step is where the operator is")
			assert.Contains(t, steps[4].Evidence, "invoice-api/")
			assert.False(t, steps[3].Fault, "server step: %s", steps[3].Evidence)
			assert.NotContains(t, steps[3].Action+steps[4].Action, "(R)", "no step offers the restart key: the server layer is healthy and the app step reads the log first")
		})
	}
}

// The observer busy while the estate is healthy: no estate cause and no
// restart advice, however loaded the machine. The host's thresholds are set
// low so "busy" holds whatever else this machine is doing.
func TestObserverBusyEstateHealthy(t *testing.T) {
	open := testenv.Open(t)
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
estate: observer
core: [invoice-api]
components:
  - name: invoice-api
    probes: [{kind: tcp, address: %q}]
    actions: {restart: {argv: [/bin/true]}}
  - name: jump-host
    probes:
      - {kind: host, thresholds: {cpu: {warn: 0.5, crit: 1}, load: {warn: 0.001, crit: 0.002}}}
    actions: {restart: {argv: [/bin/true]}}
`, open)), "observer scenario", kinds.Registry)
	require.NoError(t, err)
	a, results := diagnose(t, cfg, time.Second)
	expect(t, a, results, cfg.Topology(), want{})
	assert.Contains(t, a.Diagnosis.Observer, "jump-host/host/cpu")
	assert.Equal(t, incident.Yellow, a.Grade, "the observer raises at most yellow: %s", a.Reason)
	assert.Contains(t, a.Reason, "the machine triage runs on")
	for _, s := range incident.Walk(a, results, nil) {
		assert.False(t, s.Here && s.ID == incident.StepServer, "the guide does not stop at the server step for the observer")
		if s.Fault {
			assert.NotContains(t, s.Action, "restart", s.ID)
		}
	}
}
