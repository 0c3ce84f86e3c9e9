package dialog

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/tui/common"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // assertions see plain text
	os.Exit(m.Run())
}

// countingRunner records every command the guard runs.
type countingRunner struct {
	mu    sync.Mutex
	calls [][]string
}

func (r *countingRunner) Run(_ context.Context, argv []string) ([]byte, []byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, argv)
	return []byte("restarted\x1b[2J ok\nline two\n"), nil, nil
}

func (r *countingRunner) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// estate has "api" with a restart of /bin/true, "plain" with no action,
// and "db" with kill_session through a mysql DSN in dsnEnv.
func estate(dsnEnv string) *config.Config {
	return &config.Config{Components: []config.Component{
		{Name: "api", Actions: config.Actions{Restart: &config.Restart{Argv: []string{"/bin/true", "api"}}}},
		{Name: "plain"},
		{Name: "db", Probes: []probes.Spec{{Kind: "mysql", DSNEnv: dsnEnv, Component: "db"}},
			Actions: config.Actions{KillSession: &config.KillSession{}}},
	}}
}

// testGuard is a real guard over estate with a counting runner and a stub
// reprobe; it returns the audit path.
func testGuard(t *testing.T, cfg *config.Config, readOnly bool) (*remedy.Guard, *countingRunner, string) {
	t.Helper()
	r := &countingRunner{}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	g := remedy.NewGuard(cfg, remedy.Options{
		ReadOnly: readOnly, AuditPath: path, Runner: r, Operator: "tester", Origin: "-", Host: "h",
		Reprobe: func(context.Context, string) (probes.Status, string) { return probes.OK, "all 1 checks ok" },
	})
	return g, r, path
}

// deliver runs cmd and feeds its message back until none is left.
func deliver(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for cmd != nil {
		msg := cmd()
		if msg == nil {
			return m
		}
		m, cmd = m.Update(msg)
	}
	return m
}

func keyMsg(k string) tea.KeyMsg {
	types := map[string]tea.KeyType{"tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "enter": tea.KeyEnter,
		"esc": tea.KeyEsc, "up": tea.KeyUp, "down": tea.KeyDown, "ctrl+r": tea.KeyCtrlR,
		"pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "backspace": tea.KeyBackspace}
	if kt, ok := types[k]; ok {
		return tea.KeyMsg{Type: kt}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys, returning the model and the last command.
func press(m Model, keys ...string) (Model, tea.Cmd) {
	var cmd tea.Cmd
	for _, k := range keys {
		m, cmd = m.Update(keyMsg(k))
	}
	return m, cmd
}

func testContext() *common.Context {
	return &common.Context{Config: &config.Config{}, Styles: common.DefaultStyles(), Guarded: true}
}

func view(m Model, w, h int) string {
	return strings.Join(m.View(testContext(), w, h), "\n")
}

// countingListener accepts loopback connections and counts them.
func countingListener(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	accepted = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	return ln.Addr().String(), accepted
}
