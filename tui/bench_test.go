package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/tui/internal/fixture"
)

// benchModel is a model showing 500 checks across 100 components.
func benchModel(b *testing.B, w, h int) Model {
	ck := &fixture.Clock{T: fixture.T0}
	m := New(Options{Config: fixture.Config(), Now: ck.Now})
	m = update(b, m, tea.WindowSizeMsg{Width: w, Height: h})
	return update(b, m, snapshotMsg(fixture.Big(ck.T, 500)))
}

// BenchmarkView500 draws the whole screen with 500 checks, cache
// invalidated every time: the cost of a redraw (a clock tick, a change).
func BenchmarkView500(b *testing.B) {
	for _, sz := range [][2]int{{80, 24}, {160, 48}, {200, 50}} {
		b.Run(itoaSize(sz), func(b *testing.B) {
			m := benchModel(b, sz[0], sz[1])
			b.ReportAllocs()
			for b.Loop() {
				m.rev++
				_ = m.View()
			}
		})
	}
}

// BenchmarkView500Drill draws the drill-down of a component among 500 checks.
func BenchmarkView500Drill(b *testing.B) {
	m := benchModel(b, 160, 48)
	m, _ = press(b, m, "enter")
	b.ReportAllocs()
	for b.Loop() {
		m.rev++
		_ = m.View()
	}
}

// BenchmarkView500Cached is View when nothing changed: the cached frame.
func BenchmarkView500Cached(b *testing.B) {
	m := benchModel(b, 160, 48)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkSnapshot500 digests and grades a snapshot of 500 checks (what
// every published snapshot costs, redraw or not).
func BenchmarkSnapshot500(b *testing.B) {
	m := benchModel(b, 160, 48)
	snap := fixture.Big(fixture.T0, 500)
	b.ReportAllocs()
	for b.Loop() {
		m.handleSnapshot(snap)
	}
}

func itoaSize(sz [2]int) string {
	return string(rune('0'+sz[0]/100)) + string(rune('0'+sz[0]/10%10)) + string(rune('0'+sz[0]%10)) + "x" +
		string(rune('0'+sz[1]/10)) + string(rune('0'+sz[1]%10))
}

// BenchmarkTick500 is what a clock tick costs on the main grid with 500
// checks: the header and the pane titles drawn over the last frame (compare
// BenchmarkView500, the whole screen).
func BenchmarkTick500(b *testing.B) {
	for _, sz := range [][2]int{{80, 24}, {160, 48}} {
		b.Run(itoaSize(sz), func(b *testing.B) {
			m := benchModel(b, sz[0], sz[1])
			_ = m.View()
			b.ReportAllocs()
			for b.Loop() {
				m.handleTick()
				_ = m.View()
			}
		})
	}
}
