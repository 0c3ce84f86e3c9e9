package panes

// Cells is the number of grid cells: the five layer panes and the incident summary.
const Cells = 6

// Grid places the five panes and the summary in rows of Cols cells.
type Grid struct {
	Cols   int
	Widths []int // per column
	Rows   []int // height of each grid row, title line included
}

// Layout sizes the grid for an area w×h: two columns (three on very wide
// screens) in reading order network, server / application, data /
// security, summary, the height shared evenly.
func Layout(w, h int) Grid {
	g := Grid{Cols: 2}
	if w >= 240 {
		g.Cols = 3
	}
	inner := w - (g.Cols - 1) // one column gap between cells
	for c := range g.Cols {
		cw := inner / g.Cols
		if c < inner%g.Cols {
			cw++
		}
		g.Widths = append(g.Widths, cw)
	}
	nrows := (Cells + g.Cols - 1) / g.Cols
	for r := range nrows {
		rh := h / nrows
		if r < h%nrows {
			rh++
		}
		g.Rows = append(g.Rows, rh)
	}
	return g
}

// Cell returns the width and height of cell i (title line included).
func (g Grid) Cell(i int) (w, h int) {
	return g.Widths[i%g.Cols], g.Rows[i/g.Cols]
}
