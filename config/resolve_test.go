package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tinyConfig = "components:\n  - name: a\n    probes: [{kind: host}]\n"

func write(t *testing.T, path, data string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name  string
		flag  string
		local bool   // ./triage.yaml exists
		xdg   string // "abs": XDG_CONFIG_HOME set and holding the file; "rel": relative; "": unset
		home  bool   // ~/.config/triage/config.yaml exists
		want  string // "local", "xdg", "home", "flag" or "" for the built-in default
	}{
		{name: "flag wins over everything", flag: "/some/where.yaml", local: true, xdg: "abs", home: true, want: "flag"},
		{name: "working directory before XDG", local: true, xdg: "abs", home: true, want: "local"},
		{name: "XDG_CONFIG_HOME", xdg: "abs", home: true, want: "xdg"},
		{name: "XDG default is ~/.config", home: true, want: "home"},
		{name: "relative XDG_CONFIG_HOME is ignored", xdg: "rel", home: true, want: "home"},
		{name: "nothing found: built-in default", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work, xdg, home := t.TempDir(), t.TempDir(), t.TempDir()
			t.Chdir(work)
			t.Setenv("HOME", home)
			t.Setenv("XDG_CONFIG_HOME", "")
			if tt.local {
				write(t, filepath.Join(work, "triage.yaml"), tinyConfig)
			}
			switch tt.xdg {
			case "abs":
				t.Setenv("XDG_CONFIG_HOME", xdg)
				write(t, filepath.Join(xdg, "triage", "config.yaml"), tinyConfig)
			case "rel":
				t.Setenv("XDG_CONFIG_HOME", "rel")
				write(t, filepath.Join(work, "rel", "triage", "config.yaml"), tinyConfig)
			}
			if tt.home {
				write(t, filepath.Join(home, ".config", "triage", "config.yaml"), tinyConfig)
			}
			want := map[string]string{
				"flag":  tt.flag,
				"local": "triage.yaml",
				"xdg":   filepath.Join(xdg, "triage", "config.yaml"),
				"home":  filepath.Join(home, ".config", "triage", "config.yaml"),
				"":      "",
			}[tt.want]

			got, err := Resolve(tt.flag)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestResolveDirectoryIsAnError(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	require.NoError(t, os.Mkdir(filepath.Join(work, "triage.yaml"), 0o755))
	_, err := Resolve("")
	require.EqualError(t, err, "config triage.yaml is a directory")
}

func TestLoadAuto(t *testing.T) {
	ks := specKinds()
	work := t.TempDir()
	t.Chdir(work)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("TRIAGE_MYSQL_DSN", "")
	t.Setenv("TRIAGE_REDIS_ADDR", "")

	cfg, err := LoadAuto("", ks)
	require.NoError(t, err)
	assert.True(t, cfg.Default)
	assert.Equal(t, DefaultSource, cfg.Source)

	write(t, filepath.Join(work, "triage.yaml"), tinyConfig)
	cfg, err = LoadAuto("", ks)
	require.NoError(t, err)
	assert.False(t, cfg.Default)
	assert.Equal(t, "triage.yaml", cfg.Source)

	bad := filepath.Join(work, "bad.yaml")
	write(t, bad, "estate: x\nintervall: 1s\n")
	_, err = LoadAuto(bad, ks)
	var ve *ValidationError
	require.True(t, errors.As(err, &ve))
	assert.Equal(t, []Issue{
		{1, 1, "no components; a config watches at least one (see `triage config example`)"},
		{2, 1, `unknown key "intervall" (did you mean "interval"?)`},
	}, ve.Issues)

	_, err = LoadAuto(filepath.Join(work, "missing.yaml"), ks)
	require.ErrorIs(t, err, os.ErrNotExist)
}
