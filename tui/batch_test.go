package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/tui/internal/fixture"
)

func TestSplitKeys(t *testing.T) {
	tests := []struct {
		name string
		msg  tea.KeyMsg
		want []string
	}{
		{"one rune", keyMsg("j"), []string{"j"}},
		{"a batch", keyMsg("jjj"), []string{"j", "j", "j"}},
		{"mixed", keyMsg("jK?"), []string{"j", "K", "?"}},
		{"a special key", keyMsg("tab"), []string{"tab"}},
		{"a paste stays whole", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("qqq"), Paste: true}, []string{"[qqq]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, k := range splitKeys(tt.msg) {
				got = append(got, k.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// A batch of keys in one message acts as the same keys sent one by one.
func TestKeyBatchHandledLikeSingleKeys(t *testing.T) {
	tests := []struct {
		name   string
		batch  string
		single []string
	}{
		{"three downs", "jjj", []string{"j", "j", "j"}},
		{"down then up", "jjk", []string{"j", "j", "k"}},
		{"pane then down", "lj", []string{"l", "j"}},
		{"filter typed in one read", "/crit", []string{"/", "c", "r", "i", "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
			one := update(t, m, keyMsg(tt.batch))
			each, _ := press(t, m, tt.single...)
			assert.Equal(t, each.focus, one.focus)
			assert.Equal(t, selectedID(each), selectedID(one))
			assert.Equal(t, each.filter, one.filter)
		})
	}
}

func TestKeyBatchStopsAtQuit(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	next, cmd := m.Update(keyMsg("jqj"))
	require.NotNil(t, cmd)
	assert.IsType(t, tea.QuitMsg{}, cmd())
	assert.Equal(t, "invoice-api/tcp/connect", selectedID(next.(Model)), "the j before q moved, the one after did not")
}
