package common

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/text"
)

// Display is a check's status as the screen shows it: the four statuses plus
// "probing…" (no result yet) and "timed out".
type Display int

// Display states.
const (
	DisplayOK Display = iota
	DisplayWarn
	DisplayCrit
	DisplayUnknown
	DisplayProbing
	DisplayTimedOut
)

// Glyphs and Words: status is never colour alone.
var (
	Glyphs = [...]string{"✔", "▲", "✖", "?", "…", "⌛"}
	Words  = [...]string{"ok", "warn", "crit", "unknown", "probing", "timeout"}
)

// CellWidth is the width of a status cell: a two-column glyph, the word, a space.
const CellWidth = 2 + 7 + 1

// Styles is the screen's one set of styles. Colours are the terminal's own
// 16 (and one 256) so they follow the user's theme; under NO_COLOR the
// renderer drops them and glyphs and words still tell the status.
type Styles struct {
	Status     [4]lipgloss.Style // by probes.Status
	Probing    lipgloss.Style
	Grade      [5]lipgloss.Style // by incident.Grade
	Production lipgloss.Style    // the frame and the word PRODUCTION
	Title      lipgloss.Style
	Focus      lipgloss.Style
	Selected   lipgloss.Style
	Bold       lipgloss.Style
	Dim        lipgloss.Style
	Error      lipgloss.Style
	Highlight  lipgloss.Style // "connection breaks here", the guide's current step

	cells [6][2]string // pre-rendered status cells: [display][timed-out status is crit]
}

// DefaultStyles builds the styles with the default renderer (whose colour
// profile the caller has set: Ascii under NO_COLOR and in tests).
func DefaultStyles() *Styles { return StylesFor(nil) }

// StylesFor builds the styles with r, the renderer of one terminal (an SSH
// session's, with that client's colour profile); nil is the default renderer.
func StylesFor(r *lipgloss.Renderer) *Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	c := func(s string) lipgloss.Style { return r.NewStyle().Foreground(lipgloss.Color(s)) }
	s := &Styles{
		Status:     [4]lipgloss.Style{c("2"), c("3"), c("1").Bold(true), c("5")},
		Probing:    c("8"),
		Grade:      [5]lipgloss.Style{c("2").Bold(true), c("4").Bold(true), c("3").Bold(true), c("208").Bold(true), c("1").Bold(true)},
		Production: c("1").Bold(true),
		Title:      r.NewStyle().Bold(true),
		Focus:      c("6").Bold(true),
		Selected:   r.NewStyle().Reverse(true),
		Bold:       r.NewStyle().Bold(true),
		Dim:        r.NewStyle().Faint(true),
		Error:      c("1"),
		Highlight:  c("1").Bold(true).Underline(true),
	}
	for d := range s.cells {
		for crit := range 2 {
			st := s.Probing
			switch {
			case Display(d) <= DisplayUnknown:
				st = s.Status[d]
			case Display(d) == DisplayTimedOut && crit == 1:
				st = s.Status[probes.Crit]
			case Display(d) == DisplayTimedOut:
				st = s.Status[probes.Unknown]
			}
			s.cells[d][crit] = st.Render(text.Fit(Glyphs[d], 2) + text.Fit(Words[d], 7))
		}
	}
	return s
}

// Cell is the coloured "glyph word" of a display state, CellWidth-1 wide; a
// timed-out check is coloured by the status its timeout gave it.
func (s *Styles) Cell(d Display, st probes.Status) string {
	crit := 0
	if st == probes.Crit {
		crit = 1
	}
	return s.cells[d][crit]
}

// StatusText is "glyph word" for a plain status, coloured.
func (s *Styles) StatusText(st probes.Status) string {
	return s.Status[st].Render(Glyphs[st] + " " + Words[st])
}

// GradeText is the grade's name in its colour, upper-case.
func (s *Styles) GradeText(g incident.Grade) string {
	return s.Grade[g].Render(gradeUpper[g])
}

var gradeUpper = [...]string{"GREEN", "BLUE", "YELLOW", "ORANGE", "RED"}
