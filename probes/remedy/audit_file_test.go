package remedy

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
)

func TestAuditFileIsVetted(t *testing.T) {
	tests := []struct {
		name string
		// setup makes the audit path and returns a file whose content must
		// not change ("" for none).
		setup    func(t *testing.T, path string) string
		wantRuns int32
		wantMode os.FileMode // the log's mode afterwards, when it runs
	}{
		{name: "new file is created 0600", setup: func(*testing.T, string) string { return "" }, wantRuns: 1, wantMode: 0o600},
		{name: "readable by others is tightened to 0600", setup: func(t *testing.T, path string) string {
			require.NoError(t, os.WriteFile(path, nil, 0o644))
			require.NoError(t, os.Chmod(path, 0o644))
			return ""
		}, wantRuns: 1, wantMode: 0o600},
		{name: "symlink to another file is not followed", setup: func(t *testing.T, path string) string {
			target := filepath.Join(filepath.Dir(path), "elsewhere")
			require.NoError(t, os.WriteFile(target, []byte("precious\n"), 0o644))
			require.NoError(t, os.Symlink(target, path))
			return target
		}},
		{name: "dangling symlink is not created through", setup: func(t *testing.T, path string) string {
			require.NoError(t, os.Symlink(filepath.Join(filepath.Dir(path), "made-by-attacker"), path))
			return ""
		}},
		{name: "group writable", setup: func(t *testing.T, path string) string {
			require.NoError(t, os.WriteFile(path, nil, 0o600))
			require.NoError(t, os.Chmod(path, 0o620))
			return path
		}},
		{name: "world writable", setup: func(t *testing.T, path string) string {
			require.NoError(t, os.WriteFile(path, nil, 0o600))
			require.NoError(t, os.Chmod(path, 0o666))
			return path
		}},
		{name: "fifo does not block", setup: func(t *testing.T, path string) string {
			require.NoError(t, syscall.Mkfifo(path, 0o600))
			return ""
		}},
		{name: "directory", setup: func(t *testing.T, path string) string {
			require.NoError(t, os.Mkdir(path, 0o700))
			return ""
		}},
		{name: "owned by another user", setup: func(t *testing.T, path string) string {
			if os.Geteuid() != 0 {
				t.Skip("only root can give a file away")
			}
			require.NoError(t, os.WriteFile(path, nil, 0o600))
			require.NoError(t, os.Chown(path, 65534, 65534))
			return path
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			watched := tt.setup(t, path)
			var before []byte
			if watched != "" {
				before, _ = os.ReadFile(watched)
			}
			g := NewGuard(fakeConfig(), Options{AuditPath: path})
			fa := &fakeAction{runs: &atomic.Int32{}, pre: okPre}
			g.newAction = func(*Guard, ActionKind, *config.Component) (action, error) { return fa, nil }
			plan, err := g.Preview(context.Background(), Request{Action: KillSession, Component: "db"})
			require.NoError(t, err)
			out, err := g.Execute(context.Background(), plan, "7", "")
			assert.Equal(t, tt.wantRuns, fa.runs.Load())
			if tt.wantRuns == 0 {
				require.ErrorIs(t, err, ErrAudit)
				assert.ErrorIs(t, plan.Refusal, ErrAudit, "the preview already says so")
				assert.Equal(t, ResultRefused, out.Result)
				if watched != "" {
					after, _ := os.ReadFile(watched)
					assert.Equal(t, before, after, "nothing appended")
				}
				return
			}
			require.NoError(t, err)
			st, err := os.Lstat(path)
			require.NoError(t, err)
			assert.True(t, st.Mode().IsRegular())
			assert.Equal(t, tt.wantMode, st.Mode().Perm())
			recs, _, err := ReadAudit(path)
			require.NoError(t, err)
			assert.Len(t, recs, 2)
		})
	}
}

func TestReadAuditRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	_, _, err := ReadAudit(fifo)
	require.Error(t, err, "a FIFO is refused, not waited on")
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink("/etc/hostname", link))
	_, _, err = ReadAudit(link)
	require.Error(t, err)
	recs, _, err := ReadAudit(filepath.Join(dir, "missing"))
	require.NoError(t, err, "a missing log is an empty one")
	assert.Empty(t, recs)
}
