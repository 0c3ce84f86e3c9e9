package kinds

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/probes"
)

// fakeProbe stands in for a real kind's probe.
type fakeProbe struct {
	spec   probes.Spec
	checks []probes.Check
}

func (p *fakeProbe) Checks() []probes.Check              { return p.checks }
func (p *fakeProbe) Run(context.Context) []probes.Result { return nil }

var _ probes.Probe = (*fakeProbe)(nil)

func fakeKind(name string, allowed []string, checks ...string) probes.Kind {
	k := probes.Kind{Name: name, Doc: "fake " + name, Allowed: allowed}
	for _, c := range checks {
		k.Checks = append(k.Checks, probes.Check{Name: c})
	}
	k.New = func(s probes.Spec) (probes.Probe, error) {
		return &fakeProbe{spec: s, checks: k.Checks}, nil
	}
	return k
}

func TestTargets(t *testing.T) {
	broken := fakeKind("broken", []string{"address"}, "x")
	broken.New = func(probes.Spec) (probes.Probe, error) { return nil, errors.New("cannot build") }
	ks := Map{
		"tcp":    fakeKind("tcp", []string{"address"}, "connect"),
		"host":   fakeKind("host", nil, "cpu"),
		"broken": broken,
	}
	cfg, err := config.Parse([]byte(`
timeout: 2s
components:
  - name: web
    probes:
      - {kind: tcp, address: "127.0.0.1:80"}
      - {kind: tcp, address: "127.0.0.1:81", timeout: 500ms}
      - {kind: broken, id: b}
  - name: box
    probes: [{kind: host}]
`), "t.yaml", ks)
	require.NoError(t, err)

	targets, errs := ks.Targets(cfg)
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "web/b: cannot build")
	var te *TargetError
	require.ErrorAs(t, errs[0], &te)
	assert.Equal(t, [2]int{8, 9}, [2]int{te.Line, te.Col}, "the error names where the probe is written")

	type row struct {
		component, id, kind string
		timeout             time.Duration
	}
	var got []row
	for _, tg := range targets {
		got = append(got, row{tg.Component, tg.ProbeID, tg.Kind, tg.Timeout})
		require.NotNil(t, tg.Probe)
	}
	assert.Equal(t, []row{
		{"web", "tcp", "tcp", 2 * time.Second},
		{"web", "tcp-2", "tcp", 500 * time.Millisecond},
		{"box", "host", "host", 2 * time.Second},
	}, got)
	built := targets[1].Probe.(*fakeProbe).spec
	assert.Equal(t, "web", built.Component)
	assert.Equal(t, "127.0.0.1:81", built.Address)
}

func TestTargetsUnregisteredKind(t *testing.T) {
	cfg := &config.Config{Components: []config.Component{{Name: "a", Probes: []probes.Spec{{Kind: "gone"}}}}}
	targets, errs := Map{}.Targets(cfg)
	assert.Empty(t, targets)
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], `a/gone: probe kind "gone" is not registered`)
}

func TestTargetsCarryTheirAddress(t *testing.T) {
	cfg, err := config.Parse([]byte(`components:
  - name: api
    probes:
      - {kind: tcp, address: "127.0.0.1:8080"}
      - {kind: http, url: "http://127.0.0.1:8080/health"}
      - {kind: http, url: "https://Example.com/"}
      - {kind: host}
`), "t.yaml", Registry)
	require.NoError(t, err)
	ts, errs := Targets(cfg)
	require.Empty(t, errs)
	got := map[string]string{}
	for _, tg := range ts {
		got[tg.ProbeID] = tg.Address
	}
	assert.Equal(t, map[string]string{
		"tcp": "127.0.0.1:8080", "http": "127.0.0.1:8080", "http-2": "example.com:443", "host": "",
	}, got, "probes of one server share its cap; the local host has none")
}

func TestRegistryNames(t *testing.T) {
	names := Names()
	require.NotEmpty(t, names)
	assert.IsNonDecreasing(t, names)
	for _, n := range names {
		k, ok := Lookup(n)
		require.True(t, ok, n)
		assert.Equal(t, n, k.Name, "a kind is registered under its own name")
		assert.NotNil(t, k.New, n)
	}
}
