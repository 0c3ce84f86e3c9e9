package config

import (
	"testing"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTargets(t *testing.T) {
	ks := specKinds()
	ks["broken"] = brokenKind()
	useKinds(t, ks)
	cfg, err := Parse([]byte(`
timeout: 2s
components:
  - name: web
    probes:
      - {kind: tcp, address: "127.0.0.1:80"}
      - {kind: tcp, address: "127.0.0.1:81", timeout: 500ms}
      - {kind: broken, id: b}
  - name: box
    probes: [{kind: host}]
`), "t.yaml")
	require.NoError(t, err)

	targets, errs := Targets(cfg)
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "web/b: cannot build")

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
	useKinds(t, map[string]probes.Kind{})
	cfg := &Config{Components: []Component{{Name: "a", Probes: []probes.Spec{{Kind: "gone"}}}}}
	targets, errs := Targets(cfg)
	assert.Empty(t, targets)
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], `a/gone: probe kind "gone" is not registered`)
}
