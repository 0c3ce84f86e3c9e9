package layers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	module  = "github.com/fivelayer/triage"
	root    = "../.."
	docPath = root + "/docs/layers.md"
)

// terminal are the libraries only the screen (and what is above it) draws with.
var terminal = []string{
	"github.com/charmbracelet/bubbletea",
	"github.com/charmbracelet/lipgloss",
	"github.com/charmbracelet/bubbles",
}

// layer is one row of the table in docs/layers.md.
type layer struct {
	floor    int
	name     string
	packages []string // module-relative paths; "x/..." is x and everything under it
}

// table is the floors of docs/layers.md.
type table []layer

// pkg is what `go list -json` says of one package of the module.
type pkg struct {
	ImportPath string
	Imports    []string // the code's own imports, not its tests'
	Deps       []string
}

func readTable(r io.Reader) (table, error) {
	var t table
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		cells := strings.Split(strings.Trim(strings.TrimSpace(sc.Text()), "|"), "|")
		if len(cells) != 3 {
			continue
		}
		floor, err := strconv.Atoi(strings.TrimSpace(cells[0]))
		if err != nil {
			continue // the header and its rule
		}
		l := layer{floor: floor, name: strings.TrimSpace(cells[1])}
		for p := range strings.SplitSeq(cells[2], ",") {
			l.packages = append(l.packages, strings.Trim(strings.TrimSpace(p), "`"))
		}
		t = append(t, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(t) == 0 {
		return nil, errors.New("no table of floors (| floor | layer | packages |)")
	}
	return t, nil
}

// place is the layer of a module-relative package path: the entry naming it
// exactly, else the longest "x/..." entry it lies under.
func (t table) place(rel string) (layer, bool) {
	best, bestLen := layer{}, -1
	for _, l := range t {
		for _, p := range l.packages {
			switch {
			case p == rel:
				return l, true
			case strings.HasSuffix(p, "/..."):
				base := strings.TrimSuffix(p, "/...")
				if (rel == base || strings.HasPrefix(rel, base+"/")) && len(base) > bestLen {
					best, bestLen = l, len(base)
				}
			}
		}
	}
	return best, bestLen >= 0
}

// violations lists every import of the module's packages that breaks the
// floors, every package the table does not place, and every terminal
// library imported below the screen.
func (t table) violations(pkgs []pkg) []string {
	var out []string
	screen, hasScreen := t.floorOf("screen")
	for _, p := range pkgs {
		rel, ok := relative(p.ImportPath)
		if !ok {
			continue
		}
		from, ok := t.place(rel)
		if !ok {
			out = append(out, fmt.Sprintf("%s is in no layer: place it in docs/layers.md", rel))
			continue
		}
		for _, imp := range p.Imports {
			if hasScreen && from.floor < screen && slices.ContainsFunc(terminal, func(lib string) bool {
				return imp == lib || strings.HasPrefix(imp, lib+"/")
			}) {
				out = append(out, fmt.Sprintf("%s (floor %d, %s) imports the terminal library %s: only the screen draws", rel, from.floor, from.name, imp))
			}
			irel, ok := relative(imp)
			if !ok {
				continue
			}
			to, ok := t.place(irel)
			switch {
			case !ok:
				continue // reported as its own package
			case to.floor > from.floor:
				out = append(out, fmt.Sprintf("%s (floor %d, %s) imports %s (floor %d, %s): upward", rel, from.floor, from.name, irel, to.floor, to.name))
			case to.floor == from.floor && to.name != from.name:
				out = append(out, fmt.Sprintf("%s (floor %d, %s) imports %s (floor %d, %s): across layers of one floor", rel, from.floor, from.name, irel, to.floor, to.name))
			}
		}
	}
	return out
}

func (t table) floorOf(name string) (int, bool) {
	for _, l := range t {
		if l.name == name {
			return l.floor, true
		}
	}
	return 0, false
}

func relative(importPath string) (string, bool) {
	if importPath == module {
		return ".", true
	}
	rel, ok := strings.CutPrefix(importPath, module+"/")
	return rel, ok
}

func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// listModule is `go list -json` of every package of the module.
func listModule(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command(goCommand(), "list", "-e", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	return pkgs
}

func docTable(t *testing.T) table {
	t.Helper()
	f, err := os.Open(docPath)
	require.NoError(t, err)
	defer f.Close()
	tbl, err := readTable(f)
	require.NoError(t, err)
	return tbl
}

// TestNoImportCrossesTheFloors holds the module to docs/layers.md.
func TestNoImportCrossesTheFloors(t *testing.T) {
	tbl := docTable(t)
	pkgs := listModule(t)
	for _, v := range tbl.violations(pkgs) {
		t.Error(v)
	}
}

// TestGuardRecorderAndLabLinkNoRegistry is what the floors are for: the
// guard, the recorder, the lab and config never link the registry of every
// kind, and config links no kind at all; the guard links only the kind whose
// primitives it calls.
func TestGuardRecorderAndLabLinkNoRegistry(t *testing.T) {
	deps := map[string][]string{}
	for _, p := range listModule(t) {
		deps[p.ImportPath] = p.Deps
	}
	kindPkgs := []string{"probes/network", "probes/host", "probes/app", "probes/mysql", "probes/redis", "probes/tlscert", "probes/alerting"}
	linked := func(pkg string) []string {
		d, ok := deps[module+"/"+pkg]
		require.True(t, ok, "go list knows %s", pkg)
		var out []string
		for _, k := range append(slices.Clone(kindPkgs), "probes/kinds") {
			if slices.Contains(d, module+"/"+k) {
				out = append(out, k)
			}
		}
		return out
	}
	assert.Empty(t, linked("config"), "config is the schema")
	assert.Empty(t, linked("probes/record"))
	assert.Empty(t, linked("probes/lab/training"))
	assert.Equal(t, []string{"probes/mysql"}, linked("probes/remedy"), "the guard calls the mysql primitives and nothing else")
	assert.Equal(t, append(slices.Clone(kindPkgs), "probes/kinds"), linked("cmd/triage"), "the command wires every kind")
}

// TestViolationsFound checks the rule itself on a made-up graph: it must
// see an upward import, an import across one floor, an unplaced package and
// a terminal library below the screen, and pass what the floors allow.
func TestViolationsFound(t *testing.T) {
	tbl, err := readTable(strings.NewReader(`
| floor | layer | packages |
|---|---|---|
| 0 | base | ` + "`internal/safety`" + ` |
| 1 | schema | ` + "`config`" + ` |
| 1 | kinds | ` + "`probes/network`, `probes/mysql`" + ` |
| 2 | wiring | ` + "`probes/kinds`" + ` |
| 3 | screen | ` + "`tui/...`" + ` |
`))
	require.NoError(t, err)
	m := func(rel string) string { return module + "/" + rel }
	got := tbl.violations([]pkg{
		{ImportPath: m("config"), Imports: []string{m("internal/safety"), m("probes/kinds"), "strings"}},
		{ImportPath: m("probes/network"), Imports: []string{m("probes/mysql"), m("config")}},
		{ImportPath: m("probes/mysql"), Imports: []string{"github.com/charmbracelet/lipgloss"}},
		{ImportPath: m("probes/kinds"), Imports: []string{m("config"), m("probes/network")}},
		{ImportPath: m("tui/panes"), Imports: []string{m("probes/kinds"), "github.com/charmbracelet/bubbletea"}},
		{ImportPath: m("probes/stray"), Imports: []string{m("config")}},
		{ImportPath: "example.com/other", Imports: []string{m("tui/panes")}},
	})
	assert.Equal(t, []string{
		"config (floor 1, schema) imports probes/kinds (floor 2, wiring): upward",
		"probes/network (floor 1, kinds) imports config (floor 1, schema): across layers of one floor",
		"probes/mysql (floor 1, kinds) imports the terminal library github.com/charmbracelet/lipgloss: only the screen draws",
		"probes/stray is in no layer: place it in docs/layers.md",
	}, got)
}

func TestPlaceMostSpecific(t *testing.T) {
	tbl := table{
		{floor: 4, name: "services", packages: []string{"probes/remedy/..."}},
		{floor: 3, name: "test servers", packages: []string{"probes/remedy/remedytest"}},
		{floor: 6, name: "screen", packages: []string{"tui/..."}},
	}
	for rel, want := range map[string]string{
		"probes/remedy":                   "services",
		"probes/remedy/internal/dbchange": "services",
		"probes/remedy/remedytest":        "test servers",
		"tui":                             "screen",
	} {
		l, ok := tbl.place(rel)
		require.True(t, ok, rel)
		assert.Equal(t, want, l.name, rel)
	}
	_, ok := tbl.place("tuix")
	assert.False(t, ok, "tui/... is not a prefix of tuix")
}
