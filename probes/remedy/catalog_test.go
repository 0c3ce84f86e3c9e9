package remedy

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// TestGuardKnowsEveryCatalogAction fails when an action is added to the
// catalog without the guard building it, enabling it from its config
// section, or knowing what the operator types to confirm it.
func TestGuardKnowsEveryCatalogAction(t *testing.T) {
	cfg := &config.Config{Components: []config.Component{
		{Name: "db", Actions: config.Actions{
			KillSession: &config.KillSession{},
			Restart:     &config.Restart{Argv: []string{"true"}},
			Switchover:  &config.Switchover{Standby: "db2"},
		}},
		{Name: "db2"},
	}}
	g := NewGuard(cfg, Options{AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")})
	comp, _ := cfg.Component("db")
	for _, s := range catalog.All() {
		t.Run(string(s.Kind), func(t *testing.T) {
			require.NoError(t, enabled(s.Kind, comp))
			act, err := buildAction(g, s.Kind, comp)
			require.NoError(t, err)
			require.NotNil(t, act)
			act.close()
			first, second := confirmWords(Plan{Request: Request{Action: s.Kind, Thread: 4711}}, comp)
			want := map[catalog.Word]string{catalog.NoWord: "", catalog.Thread: "4711", catalog.Component: "db",
				catalog.Standby: "db2", catalog.Primary: "db"}
			assert.Equal(t, want[s.Confirm], first)
			assert.Equal(t, want[s.Second], second)

			bare, _ := cfg.Component("db2")
			require.ErrorIs(t, enabled(s.Kind, bare), ErrNotEnabled)
		})
	}
}

// TestOnlyTheGuardImportsDBChange: the statements that kill sessions or
// reconfigure a server are reachable only through the guard. Go's internal/
// rule already keeps packages outside probes/remedy away; this keeps the
// rest of probes/remedy (catalog, remedytest, …) away too.
func TestOnlyTheGuardImportsDBChange(t *testing.T) {
	const dbchange = "github.com/fivelayer/triage/probes/remedy/internal/dbchange"
	root := moduleRoot(t)
	var importers []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == dbchange {
				rel, _ := filepath.Rel(root, filepath.Dir(path))
				importers = append(importers, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, importers, "the guard imports dbchange; the walk found nothing")
	for _, dir := range importers {
		assert.Contains(t, []string{"probes/remedy", "probes/remedy/internal/dbchange"}, dir,
			"%s imports dbchange: kill and reconfigure statements go through the guard only", dir)
	}
}

// moduleRoot is the directory holding go.mod above this package.
func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the test")
		dir = parent
	}
}
