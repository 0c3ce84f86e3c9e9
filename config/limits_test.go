package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFileRefusesWhatIsNotAConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		setup func(t *testing.T) string
		want  string
	}{
		{"symlink to /dev/zero", func(t *testing.T) string {
			p := filepath.Join(dir, "zero.yaml")
			require.NoError(t, os.Symlink("/dev/zero", p))
			return p
		}, "not a regular file (a character device)"},
		{"FIFO with no writer", func(t *testing.T) string {
			p := filepath.Join(dir, "fifo.yaml")
			require.NoError(t, syscall.Mkfifo(p, 0o600))
			return p
		}, "not a regular file (a FIFO)"},
		{"directory", func(*testing.T) string { return dir }, "not a regular file (a directory)"},
		{"50 MB file", func(t *testing.T) string {
			// Sparse: the size is what is refused, before a byte is read.
			p := filepath.Join(dir, "big.yaml")
			f, err := os.Create(p)
			require.NoError(t, err)
			require.NoError(t, f.Truncate(50<<20))
			require.NoError(t, f.Close())
			return p
		}, "52428800 bytes; a config may be at most 1048576 bytes"},
		{"missing", func(*testing.T) string { return filepath.Join(dir, "nope.yaml") }, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(tt.setup(t), specKinds())
			require.Error(t, err)
			assert.Nil(t, cfg)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestReadFileFollowsASymlinkToAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "link.yaml")
	abs, err := filepath.Abs(filepath.Join("testdata", "minimal.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.Symlink(abs, p))
	_, err = ReadFile(p)
	require.NoError(t, err)
}

func TestThresholdBoundsAndCycles(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"bounds.yaml", []string{
			`6:49: thresholds: connect: crit 100 is below warn 500; higher is worse here, so crit must be at least warn`,
			`9:51: thresholds: certificate: crit 30 is above warn 7; lower is worse here (days left), so crit must be at most warn`,
			`11:20: thresholds: host.cpu: warn must be a finite number, got .nan`,
			`12:33: thresholds: host.memory: crit must be a finite number, got .inf`,
		}},
		{"cycle.yaml", []string{
			`10:30: depends_on: cycle api → db → cache → api`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			_, err := Load(path, specKinds())
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "error is %v", err)
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = path + ":" + w
			}
			assert.Equal(t, want, strings.Split(ve.Error(), "\n"))
		})
	}
}

func TestLintListsWhatThisMachineLacks(t *testing.T) {
	t.Setenv("TRIAGE_LINT_UNSET_DSN", "")
	cfg, err := Load(filepath.Join("testdata", "lint.yaml"), specKinds())
	require.NoError(t, err, "machine findings are not errors")
	assert.Equal(t, []string{
		`4:32: dsn_env: TRIAGE_LINT_UNSET_DSN is not set in this environment; the probe will fail until it is`,
		`6:23: restart: /nonexistent/restart-db is not an executable here (stat /nonexistent/restart-db: no such file or directory); the restart will be refused`,
		`7:19: switchover: no replication_password_env; the demoted primary will replicate with an empty password`,
		`7:29: switchover: standby "db-standby" has no mysql probe; the switchover reads and promotes it through one`,
		`12:65: password_file: stat /nonexistent/redis.pw: no such file or directory`,
		`15:56: ca_file: stat /nonexistent/ca.pem: no such file or directory`,
		`16:33: path: stat /nonexistent/cert.pem: no such file or directory`,
	}, cfg.Lint)
}
