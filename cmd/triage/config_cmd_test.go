package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	warned := write("warned.yaml", `components:
  - name: db
    probes: [{kind: tcp, address: "127.0.0.1:3306"}]
    actions:
      restart: {argv: [/nonexistent/restart-db]}
      switchover: {standby: db2}
  - name: db2
    probes: [{kind: tcp, address: "127.0.0.1:3307"}]
`)
	badProbe := write("bad_probe.yaml", `components:
  - name: api
    probes:
      - {kind: http, url: "ftp://127.0.0.1/"}
`)
	zero := filepath.Join(dir, "zero.yaml")
	require.NoError(t, os.Symlink("/dev/zero", zero))
	tests := []struct {
		name       string
		args       []string
		code       int
		wantStderr []string
	}{
		{"machine findings warn and pass", []string{"config", "validate", warned}, 0, []string{
			warned + ":5:23: restart: /nonexistent/restart-db is not an executable here",
			"has no mysql probe", "no replication_password_env", "(warning)"}},
		{"a probe that cannot be built has its line and column", []string{"config", "validate", badProbe}, 3, []string{
			badProbe + ":4:9: api/http: "}},
		{"a symlink to /dev/zero fails at once", []string{"config", "validate", zero}, 3, []string{"not a regular file (a character device)"}},
		{"--config with no file", []string{"--config", "", "check"}, 3, []string{"--config: empty path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runTriage(t, buildTriage(t), nil, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			for _, w := range tt.wantStderr {
				assert.Contains(t, stderr, w)
			}
		})
	}
}

func TestSmallCLIRefusals(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"the screen into a pipe", []string{"--config", filepath.Join("..", "..", "config", "testdata", "minimal.yaml")}, "the screen needs a terminal"},
		{"check --window far too long", []string{"check", "--window", "100h"}, "--window \"100h\": want a duration from 0 to 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// runTriage gives the command pipes, never a terminal.
			_, stderr, code := runTriage(t, buildTriage(t), nil, tt.args...)
			assert.Equal(t, 3, code, stderr)
			assert.Contains(t, stderr, tt.wantStderr)
		})
	}
}
