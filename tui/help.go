package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/text"
)

// helpChild is the full help over any view: every key of the one key map.
// It is modal: ? or esc closes it, q quits, other keys do nothing.
type helpChild struct{}

func (helpChild) kind() view    { return viewHelp }
func (helpChild) overlay() bool { return true }

func (c helpChild) Update(m *Model, msg tea.KeyMsg) (child, tea.Cmd, bool) {
	k := m.ctx.Keys
	switch {
	case key.Matches(msg, k.Quit):
		return c, tea.Quit, true
	case key.Matches(msg, k.Help, k.Back):
		m.back()
		m.rev++
	}
	return c, nil, true
}

func (helpChild) View(m *Model, l layout) []string { return m.helpLines(l.w, l.areaH) }

// Help is nil: the footer keeps the keys of the view below.
func (helpChild) Help(*Model) []key.Binding { return nil }

// helpOpen reports whether the help is shown.
func (m Model) helpOpen() bool { return m.top() == viewHelp }

// helpLines is the full help generated from the key map, its groups
// flowed into as many bands as the width needs, and the legend.
func (m Model) helpLines(w, h int) []string {
	st := m.ctx.Styles
	hm := m.help
	hm.ShowAll, hm.Width = true, 0
	lines := []string{st.Focus.Render("── help " + strings.Repeat("─", max(0, w-8)))}
	var band [][]string
	bandW := 0
	flush := func() {
		if len(band) == 0 {
			return
		}
		lines = append(lines, "")
		lines = append(lines, joinColumns(band, 4)...)
		band, bandW = nil, 0
	}
	for _, group := range m.ctx.Keys.FullHelp() {
		if !slices.ContainsFunc(group, key.Binding.Enabled) {
			continue // a mode's keys outside that mode: no empty column
		}
		block := strings.Split(hm.FullHelpView([][]key.Binding{group}), "\n")
		bw := 0
		for _, l := range block {
			bw = max(bw, text.Width(l))
		}
		if bandW > 0 && bandW+bw > w { // bandW counts a gap after each block
			flush()
		}
		band = append(band, block)
		bandW += bw + 4
	}
	flush()
	legend := []string{}
	for d := range common.Glyphs {
		legend = append(legend, st.Cell(common.Display(d), probes.Status(min(d, int(probes.Unknown)))))
	}
	lines = append(lines, "", st.Bold.Render("status")+"  "+strings.Join(legend, " "),
		st.Dim.Render("↻ in flight for more than a second · ⌛ timed out · › selected"),
		st.Dim.Render("pane title: layer status · age of its data · in flight · timed out · position"),
		st.Dim.Render("esc or ? closes help"))
	for i := 1; i < len(lines) && len(lines) > h; { // short terminal: drop spacing before content
		if lines[i] == "" {
			lines = append(lines[:i], lines[i+1:]...)
			continue
		}
		i++
	}
	return text.Block(lines, w, h)
}
