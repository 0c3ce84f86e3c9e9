package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
)

// TestCheckOpenClosedSilent is issue 2's acceptance: an open, a refused and a
// silent port (accept queue full) give ok, crit and crit "timed out", exit 2,
// within the timeout plus a small margin.
func TestCheckOpenClosedSilent(t *testing.T) {
	open, silent := testenv.Open(t), testenv.Silent(t)
	cfg := filepath.Join(t.TempDir(), "triage.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`estate: done-when
timeout: 2s
core: [api]
components:
  - name: api
    probes: [{kind: tcp, address: %q}]
  - name: closed
    probes: [{kind: tcp, address: %q}]
  - name: silent
    probes: [{kind: tcp, address: %q}]
`, open, testenv.Refused(t), silent)), 0o600))

	start := time.Now()
	out, stderr, code := runTriage(t, buildTriage(t), nil, "check", "--config", cfg, "--format", "json")
	took := time.Since(start)
	assert.Equal(t, 2, code, stderr)
	grace.Within(t, took, 2*time.Second, "the round ends at the configured 2 s timeout")

	var doc struct {
		Severity string `json:"severity"`
		Layers   []struct {
			Layer  string `json:"layer"`
			Checks []struct {
				ID, Status, Summary string
			} `json:"checks"`
		} `json:"layers"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	assert.Equal(t, "orange", doc.Severity, "crit on non-core components only")
	got := map[string]string{}
	for _, l := range doc.Layers {
		for _, c := range l.Checks {
			got[c.ID] = c.Status + ": " + c.Summary
		}
	}
	assert.True(t, strings.HasPrefix(got["api/tcp/connect"], "ok: "), got["api/tcp/connect"])
	assert.True(t, strings.HasPrefix(got["closed/tcp/connect"], "crit: "), got["closed/tcp/connect"])
	assert.Contains(t, got["closed/tcp/connect"], "refused")
	assert.True(t, strings.HasPrefix(got["silent/tcp/connect"], "crit: "), got["silent/tcp/connect"])
	assert.Contains(t, got["silent/tcp/connect"], "timed out")
}

func TestConfigValidateNamesLineAndColumn(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("estate: x\nintervall: 5s\ncomponents:\n  - name: a\n    probes: [{kind: tcp, address: \"127.0.0.1:1\"}]\n"), 0o600))
	_, stderr, code := runTriage(t, buildTriage(t), nil, "config", "validate", cfg)
	assert.Equal(t, 3, code)
	assert.Contains(t, stderr, cfg+`:2:1: unknown key "intervall" (did you mean "interval"?)`)

	_, stderr, code = runTriage(t, buildTriage(t), nil, "check", "--config", cfg)
	assert.Equal(t, 3, code, "a config that does not load is exit 3")
	assert.Contains(t, stderr, ":2:1:")
}

func TestConfigExampleValidates(t *testing.T) {
	example, stderr, code := runTriage(t, buildTriage(t), nil, "config", "example")
	require.Equal(t, 0, code, stderr)
	path := filepath.Join(t.TempDir(), "example.yaml")
	require.NoError(t, os.WriteFile(path, []byte(example), 0o600))
	out, stderr, code := runTriage(t, buildTriage(t), nil, "config", "validate", path)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "ok (estate")
}

func TestVersion(t *testing.T) {
	out, _, code := runTriage(t, buildTriage(t), nil, "--version")
	assert.Equal(t, 0, code)
	assert.Equal(t, "triage dev\n", out)
}
