package drill

import (
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/internal/fixture"
	"github.com/fivelayer/triage/tui/internal/golden"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

func TestEvidenceLockWaits(t *testing.T) {
	st := common.DefaultStyles()
	for _, w := range []int{76, 160} {
		lines := Evidence(st, fixture.LockWaits, w, 0)
		out := strings.Join(lines, "\n")
		for _, l := range lines {
			assert.LessOrEqual(t, lipgloss.Width(l), w)
		}
		assert.NotContains(t, out, "\x1b")
		assert.NotContains(t, out, "pwned")
		header := ""
		for _, l := range lines {
			if strings.HasPrefix(l, "waiting_thread") {
				header = l
			}
		}
		assert.Contains(t, out, "thread 4711 · idle in transaction 42 s · 12,408 rows modified · root@app-1 ·")
		assert.Contains(t, out, "blocks 3")
		assert.Contains(t, out, "│  └─ thread 4716 waits 6 s: DELETE FROM invoice_line WHERE invoice_id=42")
		assert.Less(t, strings.Index(out, "thread 4711"), strings.Index(out, "waits (3):"), "the tree comes before the waits table")
		for _, col := range []string{"waiting_thread", "blocking_thread", "wait_seconds", "blocking_query"} {
			assert.Contains(t, header, col)
		}
		assert.Less(t, strings.Index(header, "waiting_thread"), strings.Index(header, "blocking_query"))
		golden.Assert(t, "lock_waits_"+map[int]string{76: "narrow", 160: "wide"}[w], out)
	}
}

func TestEvidenceGeneric(t *testing.T) {
	st := common.DefaultStyles()
	type proc struct {
		PID  int     `json:"pid"`
		Name string  `json:"name"`
		CPU  float64 `json:"cpu_percent"`
	}
	tests := []struct {
		name string
		ev   map[string]any
		want []string
	}{
		{"empty", nil, []string{"no evidence"}},
		{"scalars sorted", map[string]any{"b": 2, "a": "x\x1b[2Jy", "c": true, "d": nil},
			[]string{"a: xy", "b: 2", "c: true", "d: —"}},
		{"struct list is a table", map[string]any{"top": []proc{{1, "mysqld", 85.5}, {2, "java", 3}}},
			[]string{"top (2):", "pid  name    cpu_percent", "1    mysqld  85.5", "2    java    3"}},
		{"union of keys", map[string]any{"rows": []any{map[string]any{"a": 1}, map[string]any{"b": 2}}},
			[]string{"rows (2):", "a  b", "1", "   2"}},
		{"scalar list joined", map[string]any{"resolvers": []string{"10.0.0.53:53", "10.0.0.54:53"}},
			[]string{"resolvers: 10.0.0.53:53, 10.0.0.54:53"}},
		{"empty list", map[string]any{"waits": []any{}}, []string{"waits: none"}},
		{"nested map", map[string]any{"phases": map[string]any{"dns_ms": 1, "tls_ms": 12}},
			[]string{"phases:", "  dns_ms: 1", "  tls_ms: 12"}},
		{"nested in a cell is summarised", map[string]any{"rows": []map[string]any{{"id": 1, "meta": map[string]any{"k": "v"}}}},
			[]string{"rows (1):", "id  meta", "1   {k: v}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evidence(st, tt.ev, 80, 0)
			for i := range got {
				got[i] = strings.TrimRight(got[i], " ")
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestTableLimitsRows(t *testing.T) {
	rows := make([]map[string]any, 25)
	for i := range rows {
		rows[i] = map[string]any{"id": float64(i)}
	}
	out, cols := Table(common.DefaultStyles(), rows, 40, 0)
	assert.Zero(t, cols)
	assert.Len(t, out, 1+maxTableRows+1)
	assert.Equal(t, "… 5 more", out[len(out)-1])
}

func TestActions(t *testing.T) {
	const off = "not enabled in config"
	tests := []struct {
		name      string
		mode      common.Mode
		guarded   bool
		component string
		why       []string // K, Q, R, S, F
	}{
		{"db-primary live", common.Live, true, "db-primary", []string{"", "", off, "", ""}},
		{"db-primary without a guard", common.Live, false, "db-primary", []string{NoGuard, NoGuard, off, NoGuard, NoGuard}},
		{"invoice-api live", common.Live, true, "invoice-api", []string{off, off, "", off, off}},
		{"read-only", common.ReadOnly, true, "db-primary", []string{"read-only mode", "read-only mode", off, "read-only mode", "read-only mode"}},
		{"replay", common.Replay, false, "invoice-api", []string{off, off, "replay: nothing runs", off, off}},
		{"not in config", common.Live, true, "fleet-7", []string{off, off, off, off, off}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), tt.mode)
			ctx.Guarded = tt.guarded
			acts := Actions(ctx, tt.component)
			require.Len(t, acts, 5)
			for i, a := range acts {
				assert.Equal(t, tt.why[i], a.Why, a.Key)
			}
		})
	}
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	assert.Equal(t, []string{"S", "F"}, Offered(ctx, "db-primary"), "kill_session enabled, but no MySQL probe to act through")
	withMySQL(ctx)
	assert.Equal(t, []string{"K", "Q", "S", "F"}, Offered(ctx, "db-primary"))
	assert.Equal(t, []string{"R"}, Offered(ctx, "invoice-api"), "no MySQL probe, no kill_session: only restart")
	assert.Empty(t, Offered(ctx, "fleet-7"))
	a, ok := ActionFor(ctx, "invoice-api", "R")
	require.True(t, ok)
	assert.Equal(t, "restart: systemctl restart invoice-api.service via ssh ops@10.0.0.1", a.Label)
	a, ok = ActionFor(ctx, "db-primary", "F")
	require.True(t, ok)
	assert.Equal(t, "failover to db-standby (primary gone)", a.Label)
}

// withMySQL gives the fixture's db-primary the MySQL probe that K and Q
// act through.
func withMySQL(ctx *common.Context) {
	for i := range ctx.Config.Components {
		if c := &ctx.Config.Components[i]; c.Name == "db-primary" {
			c.Probes = append(c.Probes, probes.Spec{Kind: "mysql", DSNEnv: "DB_DSN"})
		}
	}
}

func TestActionLines(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	withMySQL(ctx)
	ctx.Guarded = true
	out := strings.Join(actionLines(ctx, "db-primary", 200), "\n")
	assert.Contains(t, out, "K  kill the root blocker (KILL CONNECTION) — press K to preview")
	assert.NotContains(t, out, "R  restart", "not enabled: not offered")
	assert.Contains(t, strings.Join(actionLines(ctx, "edge-dns", 200), "\n"), "none enabled for this component")
	ctx.Guarded = false
	assert.Contains(t, strings.Join(actionLines(ctx, "db-primary", 200), "\n"), "S  switch to standby db-standby — not available: no guard")
}

func TestDrillDown(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	withMySQL(ctx)
	m := New("db-primary", "db-primary/mysql/lock_waits")
	out := strings.Join(m.Lines(ctx, 100), "\n")
	for _, want := range []string{"mysql/connections", "mysql/auth_failures", "waiting_thread", "kill the root blocker, connection 4711",
		"lock pile-up on invoices", "fix: killed the blocking batch session", "K  kill the root blocker", NoGuard,
		"5 samples over 20s"} {
		assert.Contains(t, out, want)
	}
	m.Move(ctx, 1, 100, 10)
	assert.Equal(t, "db-primary/mysql/replication", m.SelectedID)
	m.Move(ctx, 10, 100, 10)
	assert.Equal(t, "db-primary/mysql/auth_failures", m.SelectedID)
	m.Scroll(ctx, 1000, 100, 10)
	assert.Equal(t, len(m.Lines(ctx, 100))-10, m.Offset)
	assert.Len(t, m.View(ctx, 100, 10), 10)

	empty := New("nothing-here", "")
	assert.NotPanics(t, func() { empty.View(ctx, 80, 20) })
	assert.Nil(t, empty.Selected(ctx))
}
