package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// sameTree reports the first difference between two node trees that the
// decoder could see (comments aside: it reads none).
func sameTree(a, b *yaml.Node, path string) string {
	switch {
	case a == nil && b == nil:
		return ""
	case a == nil || b == nil:
		return path + ": one is nil"
	case a.Kind != b.Kind || a.Tag != b.Tag || a.Value != b.Value || a.Style != b.Style || a.Anchor != b.Anchor:
		return fmt.Sprintf("%s: %v %q %q %v %q ≠ %v %q %q %v %q", path, a.Kind, a.Tag, a.Value, a.Style, a.Anchor, b.Kind, b.Tag, b.Value, b.Style, b.Anchor)
	case a.Line != b.Line || a.Column != b.Column:
		return fmt.Sprintf("%s %q: at %d:%d ≠ %d:%d", path, a.Value, a.Line, a.Column, b.Line, b.Column)
	case len(a.Content) != len(b.Content):
		return fmt.Sprintf("%s: %d children ≠ %d", path, len(a.Content), len(b.Content))
	case (a.Alias == nil) != (b.Alias == nil):
		return path + ": alias on one side"
	case a.Alias != nil && (a.Alias.Line != b.Alias.Line || a.Alias.Column != b.Alias.Column):
		return path + ": aliases point at different anchors"
	}
	for i := range a.Content {
		if d := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
			return d
		}
	}
	return ""
}

// onePiece is parseYAML without the split.
func onePiece(t *testing.T, data []byte) (*yaml.Node, *Issue) {
	t.Helper()
	old := splitMin
	splitMin = 1 << 62
	defer func() { splitMin = old }()
	return parseYAML(data)
}

// TestParseSplitSameTree: whatever a config holds, the split parse gives
// the tree the one-piece parse gives, line and column included, or it
// declines and the one-piece parse runs; a config with an error is never
// accepted by the split.
func TestParseSplitSameTree(t *testing.T) {
	inputs := map[string]string{"example.yaml": Example()}
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		inputs[f] = string(b)
	}
	var many strings.Builder
	many.WriteString("# a large estate\nestate: big # the name\ntimeout: 2s\ncomponents:   # every one\n\n")
	for i := range 300 {
		if i%50 == 0 {
			many.WriteString("# a new tier, at column 0\n\n")
		}
		fmt.Fprintf(&many, "  - name: c%03d\n    probes:\n      - {kind: tcp, address: \"127.0.0.1:%d\"}\n", i, 1000+i)
		if i%7 == 0 {
			fmt.Fprintf(&many, "    knowledge:\n      note: |\n        line one\n          indented\n\n        after a blank\n")
		}
	}
	many.WriteString("\n\ncore: [c000]\n")
	inputs["generated"] = many.String()
	inputs["generated, CRLF"] = strings.ReplaceAll(many.String(), "\n", "\r\n")
	inputs["items at column 0"] = "components:\n- name: a\n  probes: [{kind: host}]\n- name: b\n  probes: [{kind: host}]\ncore: [a]\n"
	inputs["anchor across items"] = "components:\n  - name: a\n    probes: &p [{kind: host}]\n  - name: b\n    probes: *p\n"
	inputs["anchor within an item"] = "components:\n  - name: a\n    probes: &p [{kind: host}]\n    extra: *p\n  - name: b\n    probes: [{kind: host}]\n"
	inputs["a second document"] = "components:\n  - name: a\n  - name: b\n---\nestate: x\n"
	inputs["bad indentation inside"] = "components:\n  - name: a\n probes: x\n  - name: b\n"
	inputs["syntax error in an item"] = "components:\n  - name: a\n  - name: [b\n  - name: c\n"
	inputs["flow list"] = "components: [{name: a}, {name: b}]\n"
	inputs["list at the end"] = "estate: x\ncomponents:\n  - name: a\n  - name: b"
	inputs["tab"] = "components:\n  - name: a\n\t- name: b\n"

	old := splitMin
	splitMin = 0
	t.Cleanup(func() { splitMin = old })
	split := 0
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			want, wantErr := onePiece(t, []byte(in))
			got, ok := parseSplit([]byte(in))
			if !ok {
				return // declined: the one-piece parse runs
			}
			split++
			require.Nil(t, wantErr, "the split accepted what the one-piece parse refuses: %v", wantErr)
			assert.Empty(t, sameTree(want, got, ""))
			viaParse, issue := parseYAML([]byte(in))
			require.Nil(t, issue)
			assert.Empty(t, sameTree(want, viaParse, ""))
		})
	}
	assert.GreaterOrEqual(t, split, 6, "the split was used for the ordinary configs")
}

// FuzzParseSplit: for any input, the split parse either declines or gives
// exactly the one-piece parse's tree, and never accepts what that refuses.
func FuzzParseSplit(f *testing.F) {
	f.Add("estate: x\ncomponents:\n  - name: a\n    probes: [{kind: host}]\n  - name: b\ncore: [a]\n")
	f.Add("components:\n- a\n- b\n")
	f.Add("components:\n  - name: a\n    note: |\n      x\n  # c\n  - name: b\n---\n")
	f.Add("components:\n  - &x a\n  - *x\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := parseSplit([]byte(in))
		if !ok {
			return
		}
		want, issue := onePiece(t, []byte(in))
		if issue != nil {
			t.Fatalf("the split accepted what the one-piece parse refuses: %v", issue)
		}
		if d := sameTree(want, got, ""); d != "" {
			t.Fatal(d)
		}
	})
}
