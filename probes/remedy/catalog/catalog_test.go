package catalog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEverySpecComplete fails when an action lacks a field the config, the
// guard, the screen or the command line reads, or shares one that must be
// its own.
func TestEverySpecComplete(t *testing.T) {
	seen := map[string]map[string]Kind{"kind": {}, "name": {}, "key": {}, "command+flag": {}}
	unique := func(field, v string, k Kind) {
		if prev, dup := seen[field][v]; dup {
			t.Errorf("%s and %s share the %s %q", prev, k, field, v)
		}
		seen[field][v] = k
	}
	for _, s := range All() {
		t.Run(string(s.Kind), func(t *testing.T) {
			assert.NotEmpty(t, s.Kind)
			assert.NotEmpty(t, s.Name, "name (diagnosis, advice)")
			assert.Regexp(t, `^[A-Z]$`, s.Key, "key: one capital letter, so no lower-case view key collides")
			assert.NotEmpty(t, s.Help, "help line")
			assert.NotEmpty(t, s.Label, "label")
			assert.NotEmpty(t, s.Section, "config section")
			assert.NotEmpty(t, s.Command, "triage act subcommand")
			assert.NotEqual(t, NoWord, s.Confirm, "confirmation word")
			assert.NotEmpty(t, s.Confirm.String())
			if s.Second != NoWord {
				assert.NotEmpty(t, s.Second.String())
			}
		})
		unique("kind", string(s.Kind), s.Kind)
		unique("name", s.Name, s.Kind)
		unique("key", s.Key, s.Kind)
		unique("command+flag", s.Command+" --"+s.Flag, s.Kind)
	}
	for _, c := range Commands() {
		_, plain := ByCommand(c, "")
		assert.True(t, plain, "triage act %s needs an action without a flag", c)
	}
}

// TestEveryKindHasASpec fails when a Kind constant is declared without an
// entry in the table.
func TestEveryKindHasASpec(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "catalog.go", nil, 0)
	require.NoError(t, err)
	var kinds []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Kind" {
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok {
					kinds = append(kinds, lit.Value[1:len(lit.Value)-1])
				}
			}
		}
		return true
	})
	require.NotEmpty(t, kinds)
	for _, k := range kinds {
		_, ok := Lookup(Kind(k))
		assert.True(t, ok, "Kind %q has no Spec in the table", k)
	}
	assert.Len(t, All(), len(kinds))
}

func TestLookups(t *testing.T) {
	tests := []struct {
		name string
		got  func() (Spec, bool)
		want Kind
	}{
		{"key Q", func() (Spec, bool) { return ByKey("Q") }, KillQuery},
		{"name failover", func() (Spec, bool) { return ByName("failover") }, Failover},
		{"act switchover", func() (Spec, bool) { return ByCommand("switchover", "") }, Switchover},
		{"act switchover --failover", func() (Spec, bool) { return ByCommand("switchover", "failover") }, Failover},
		{"act kill-session --query-only", func() (Spec, bool) { return ByCommand("kill-session", "query-only") }, KillQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := tt.got()
			require.True(t, ok)
			assert.Equal(t, tt.want, s.Kind)
		})
	}
	_, ok := ByKey("q")
	assert.False(t, ok, "q quits; keys are case-sensitive")
	assert.Equal(t, []string{"kill_session", "restart", "switchover"}, Sections())
}
