package safety

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStateDir(t *testing.T) {
	tmp := t.TempDir()
	tests := []struct {
		name, xdg, home, want string
	}{
		{"XDG_STATE_HOME", filepath.Join(tmp, "xdg"), tmp, filepath.Join(tmp, "xdg", "triage")},
		{"default", "", tmp, filepath.Join(tmp, ".local", "state", "triage")},
		{"relative XDG_STATE_HOME is ignored", "rel/state", tmp, filepath.Join(tmp, ".local", "state", "triage")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_STATE_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			got, err := StateDir()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("no home", func(t *testing.T) {
		t.Setenv("XDG_STATE_HOME", "")
		t.Setenv("HOME", "")
		_, err := StateDir()
		require.Error(t, err)
	})
}
