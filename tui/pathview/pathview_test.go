package pathview

import (
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/internal/fixture"
	"github.com/fivelayer/triage/tui/internal/golden"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

func TestHops(t *testing.T) {
	snap := fixture.Snapshot(fixture.T0, 1, false)
	ctx := fixture.Context(snap, common.Live)
	// a chain with a cycle and a shared dependency: nginx → invoice-api → {edge-dns, db-primary, cache}; cache → db-primary
	ctx.Config.Components = append(ctx.Config.Components, config.Component{Name: "nginx", Knowledge: config.Knowledge{DependsOn: []string{"invoice-api", "ghost"}}})
	for i := range ctx.Config.Components {
		if ctx.Config.Components[i].Name == "cache" {
			ctx.Config.Components[i].Knowledge.DependsOn = []string{"db-primary", "invoice-api"}
		}
	}
	hops := Hops(ctx, "nginx")
	var names []string
	for _, h := range hops {
		names = append(names, h.Prefix+h.Name)
	}
	assert.Equal(t, []string{"└─ nginx", "   ├─ invoice-api", "   │  ├─ edge-dns", "   │  ├─ db-primary", "   │  └─ cache", "   └─ ghost"}, names)
	assert.False(t, hops[0].Watched, "nginx has no checks")
	assert.False(t, hops[1].Breaks, "invoice-api's 503 is a symptom")
	assert.Equal(t, "db-primary", hops[1].SymptomOf)
	assert.True(t, hops[3].Breaks, "the lock wait on db-primary is the root cause")
	assert.Contains(t, hops[3].Cause, "db-primary/mysql/lock_waits")
	assert.Equal(t, probes.Crit, hops[3].Status)
	assert.Contains(t, hops[3].Worst, "mysql/lock_waits: 3 sessions waiting")
	assert.False(t, hops[5].Watched)
}

func TestDegradedWhenNothingIsDown(t *testing.T) {
	snap := fixture.Snapshot(fixture.T0, 1, true) // early: only invoice-api's status is crit
	for i := range snap.Checks {
		if snap.Checks[i].Status == probes.Crit {
			snap.Checks[i].Status = probes.Warn
		}
	}
	hops := Hops(fixture.Context(snap, common.Live), "invoice-api")
	require.NotEmpty(t, hops)
	assert.True(t, hops[0].Degrade)
	for _, h := range hops {
		assert.False(t, h.Breaks)
	}
}

func TestLines(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	out := strings.Join(Lines(ctx, "invoice-api", 80), "\n")
	assert.Contains(t, out, "client (this terminal)")
	assert.Contains(t, out, "▲ connection breaks here")
	golden.Assert(t, "invoice_api_80", out)
	out = strings.Join(Lines(ctx, "cache", 80), "\n")
	assert.Contains(t, out, "no depends_on in config")
}
