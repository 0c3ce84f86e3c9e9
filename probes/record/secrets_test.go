package record

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/kinds"
)

const secretsYAML = `
estate: secrets
timeout: 2s
core: [db]
components:
  - name: db
    probes:
      - {kind: mysql, dsn_env: TRIAGE_TEST_RECORD_DSN}
    actions:
      restart: {argv: [systemctl, restart, mariadb]}
  - name: cache
    probes:
      - {kind: redis, address: "127.0.0.1:6379", password_env: TRIAGE_TEST_RECORD_REDIS}
  - name: web
    probes:
      - {kind: http, url: "http://admin:web-pass-123@127.0.0.1:1/health"}
`

// secretConfig is a config whose probes use a DSN, a password and a URL
// with a password; the secrets are wrong, so every probe fails with an error.
func secretConfig(t *testing.T) *config.Config {
	t.Helper()
	t.Setenv("TRIAGE_TEST_RECORD_DSN", "root:db-pass-456@tcp(127.0.0.1:3306)/test?timeout=1s")
	t.Setenv("TRIAGE_TEST_RECORD_REDIS", "redis<pass>789")
	cfg, err := config.Parse([]byte(secretsYAML), "secrets.yaml", kinds.Registry)
	require.NoError(t, err)
	return cfg
}

func TestSecretsOf(t *testing.T) {
	got := SecretsOf(secretConfig(t))
	for _, s := range []string{"db-pass-456", "redis<pass>789", "web-pass-123", "root:db-pass-456@tcp(127.0.0.1:3306)/test?timeout=1s"} {
		assert.Contains(t, got, s)
	}
}

// TestRecordingHoldsNoSecret records rounds of real probes that use secrets
// (and fail: wrong password, refused port) and asserts that no secret got
// into the file and that the guard had nothing to remove: snapshots hold
// none.
func TestRecordingHoldsNoSecret(t *testing.T) {
	cfg := secretConfig(t)
	targets, errs := kinds.Targets(cfg)
	require.Empty(t, errs)
	s := probes.NewScheduler(targets, probes.Options{})
	defer s.Close()
	var buf bytes.Buffer
	secrets := SecretsOf(cfg)
	rec, err := NewRecorder(&buf, NewHeader(cfg, "LIVE", "test", time.Now()), secrets)
	require.NoError(t, err)
	require.NoError(t, rec.Frame(s.Snapshot()))
	require.NoError(t, rec.Frame(s.Round(context.Background())))
	require.NoError(t, rec.Frame(s.Round(context.Background())))
	out := buf.String()
	for _, sec := range []string{"db-pass-456", "redis<pass>789", `redis\u003cpass\u003e789`, "web-pass-123"} {
		assert.NotContains(t, out, sec)
	}
	assert.Zero(t, rec.Redactions(), "snapshots carry no secret, so nothing was redacted")
	assert.Contains(t, out, `"actions":["restart"]`, "which actions exist is recorded")
	assert.NotContains(t, out, "systemctl", "what they run is not")
	assert.NotContains(t, out, "TRIAGE_TEST_RECORD", "nor where probes find their secrets")
}

func TestRecorderRedactsALeak(t *testing.T) {
	var buf bytes.Buffer
	cfg := &config.Config{Estate: "leak"}
	rec, err := NewRecorder(&buf, NewHeader(cfg, "LIVE", "test", time.Now()), []string{"hunter2-secret", "p<ss>word", "ok"})
	require.NoError(t, err)
	snap := probes.Snapshot{Time: time.Now(), Checks: []probes.CheckState{{Probed: true, Result: probes.Result{
		ID: "db/mysql/connections", Component: "db", Probe: "mysql", Check: "connections", Status: probes.OK,
		Summary: "connected with hunter2-secret", Evidence: map[string]any{"password": "p<ss>word"}}}}}
	require.NoError(t, rec.Frame(snap))
	out := buf.String()
	assert.NotContains(t, out, "hunter2-secret")
	assert.NotContains(t, out, `p\u003css\u003eword`)
	assert.Equal(t, 2, strings.Count(out, "[redacted]"))
	assert.Equal(t, 1, rec.Redactions())
	assert.Contains(t, out, `"status":"ok"`, "a secret shorter than 4 bytes is not guarded: it would eat words")
}
