package remedy

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
)

// The secrets a config makes triage hold, set in the environment the way an
// operator would.
const (
	testDSNPassword   = "dsnPa55-word"
	testDSN           = "root:" + testDSNPassword + "@tcp(127.0.0.1:1)/test"
	testRedisPassword = "redis-S3cret-pw"
)

// restartGuard returns a guard for a component whose restart runs script
// through /bin/sh with the real ExecRunner, and the audit log's path.
func restartGuard(t *testing.T, script string, env ...string) (*Guard, string) {
	t.Helper()
	t.Setenv("TRIAGE_TEST_DSN", testDSN)
	t.Setenv("TRIAGE_TEST_REDIS_PASSWORD", testRedisPassword)
	t.Setenv("TRIAGE_TEST_PLAIN", "plain-value")
	cfg := &config.Config{Components: []config.Component{
		{Name: "db", Probes: []probes.Spec{{Kind: "mysql", DSNEnv: "TRIAGE_TEST_DSN"}}},
		{Name: "cache", Probes: []probes.Spec{{Kind: "redis", Address: "127.0.0.1:1", PasswordEnv: "TRIAGE_TEST_REDIS_PASSWORD"}}},
		{Name: "api", Actions: config.Actions{Restart: &config.Restart{
			Argv: []string{"/bin/sh", "-c", script}, Env: env}}},
	}}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	g := NewGuard(cfg, Options{AuditPath: audit, Operator: "tester", Origin: "-", Host: "h",
		Reprobe: func(context.Context, string) (probes.Status, string) { return probes.OK, "fine" }})
	return g, audit
}

func runRestart(t *testing.T, g *Guard) Outcome {
	t.Helper()
	ctx := context.Background()
	p, err := g.Preview(ctx, Request{Action: Restart, Component: "api"})
	require.NoError(t, err)
	require.NoError(t, p.Refusal)
	out, err := g.Execute(ctx, p, "api", "")
	require.NoError(t, err)
	return out
}

// assertNoSecret checks the outcome, its record and the audit file.
func assertNoSecret(t *testing.T, out Outcome, audit string) {
	t.Helper()
	b, err := os.ReadFile(audit)
	require.NoError(t, err)
	for _, sec := range []string{testDSN, testDSNPassword, testRedisPassword, url.QueryEscape(testDSN)} {
		assert.NotContains(t, out.Output, sec)
		assert.NotContains(t, out.Record.Output, sec)
		for _, st := range out.Steps {
			assert.NotContains(t, st.Output, sec)
		}
		assert.NotContains(t, string(b), sec)
	}
}

func TestRestartChildEnvironmentIsMinimal(t *testing.T) {
	g, audit := restartGuard(t, "env", "TRIAGE_TEST_PLAIN", "EXTRA=set-by-config")
	out := runRestart(t, g)
	lines := strings.Split(strings.TrimSpace(out.Output), "\n")
	var names []string
	for _, l := range lines {
		name, _, _ := strings.Cut(l, "=")
		names = append(names, name)
	}
	// The shell adds PWD, SHLVL and _ itself.
	assert.Subset(t, []string{"PATH", "HOME", "LANG", "TRIAGE_TEST_PLAIN", "EXTRA", "PWD", "SHLVL", "_"}, names, "only what is listed reaches the child")
	assert.NotContains(t, names, "TRIAGE_TEST_DSN")
	assert.NotContains(t, names, "TRIAGE_TEST_REDIS_PASSWORD")
	assert.Contains(t, out.Output, "EXTRA=set-by-config")
	assertNoSecret(t, out, audit)
}

func TestRestartOutputMasksEverySecret(t *testing.T) {
	// The child cannot see triage's environment, but a script may still
	// read a secret elsewhere (a dsn_file, its own config) and print it.
	dir := t.TempDir()
	f := filepath.Join(dir, "leak")
	require.NoError(t, os.WriteFile(f, []byte(testDSN+"\n"+url.QueryEscape(testDSN)+"\npw="+testRedisPassword+"\n"), 0o600))
	g, audit := restartGuard(t, "cat "+f+"; cat "+f+" >&2")
	out := runRestart(t, g)
	assert.Contains(t, out.Output, "pw=…")
	assert.Contains(t, out.Output, "stderr: ")
	assertNoSecret(t, out, audit)
}

func TestRestartOutputIsBounded(t *testing.T) {
	// 8 MB of output, a secret at the start, in the middle and at the end.
	script := "echo first " + testRedisPassword + "; head -c 4000000 /dev/zero | tr '\\0' x; echo; echo " + testRedisPassword +
		"; head -c 4000000 /dev/zero | tr '\\0' y; echo; echo last " + testRedisPassword
	g, audit := restartGuard(t, script)
	out := runRestart(t, g)
	assert.Less(t, len(out.Output), 2*(outputHead+outputTail)+200)
	assert.True(t, strings.HasPrefix(out.Output, "first …\n"), "the head is kept")
	assert.True(t, strings.HasSuffix(out.Output, "last …\n"), "the tail is kept")
	assert.Regexp(t, `… \[\d+ bytes omitted\] …`, out.Output)
	assertNoSecret(t, out, audit)
}

func TestChildEnv(t *testing.T) {
	t.Setenv("PATH", "/usr/bin:/bin")
	t.Setenv("HOME", "/home/op")
	t.Setenv("SSH_AUTH_SOCK", "/run/agent")
	t.Setenv("TRIAGE_DB_DSN", testDSN)
	t.Setenv("LANG", "C")
	require.NoError(t, os.Unsetenv("LANG")) // restored by t.Setenv
	tests := []struct {
		name   string
		listed []string
		ssh    bool
		want   []string
	}{
		{"local", nil, false, []string{"PATH=/usr/bin:/bin", "HOME=/home/op"}},
		{"through ssh keeps the agent", nil, true, []string{"PATH=/usr/bin:/bin", "HOME=/home/op", "SSH_AUTH_SOCK=/run/agent"}},
		{"listed names and values", []string{"HOME", "X=1", "UNSET_NAME"}, false, []string{"PATH=/usr/bin:/bin", "HOME=/home/op", "HOME=/home/op", "X=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ChildEnv(tt.listed, tt.ssh))
		})
	}
}
