package views

import "strings"

// font is a 5-row block font for the wall view: the letters of the grades
// and of "PROBING", "OVERDUE", "LEFT", the digits and the clock's colon.
var font = map[rune][5]string{
	'A': {"▄▀▀▄", "█  █", "█▀▀█", "█  █", "▀  ▀"},
	'B': {"█▀▀▄", "█  █", "█▀▀▄", "█  █", "▀▀▀ "},
	'D': {"█▀▀▄", "█  █", "█  █", "█  █", "▀▀▀ "},
	'E': {"█▀▀▀", "█   ", "█▀▀ ", "█   ", "▀▀▀▀"},
	'F': {"█▀▀▀", "█   ", "█▀▀ ", "█   ", "▀   "},
	'G': {"▄▀▀▀", "█   ", "█ ▀█", "█  █", " ▀▀▀"},
	'I': {"▀█▀", " █ ", " █ ", " █ ", "▀▀▀"},
	'L': {"█   ", "█   ", "█   ", "█   ", "▀▀▀▀"},
	'N': {"█▄ █", "█▀▄█", "█ ▀█", "█  █", "▀  ▀"},
	'O': {"▄▀▀▄", "█  █", "█  █", "█  █", " ▀▀ "},
	'P': {"█▀▀▄", "█  █", "█▀▀ ", "█   ", "▀   "},
	'R': {"█▀▀▄", "█  █", "█▀▀▄", "█  █", "▀  ▀"},
	'T': {"▀█▀", " █ ", " █ ", " █ ", " ▀ "},
	'U': {"█  █", "█  █", "█  █", "█  █", " ▀▀ "},
	'V': {"█  █", "█  █", "█  █", "▀▄▄▀", " ▀▀ "},
	'W': {"█   █", "█   █", "█ █ █", "█▄▀▄█", "▀   ▀"},
	'Y': {"█  █", "▀▄▄▀", " █  ", " █  ", " ▀  "},
	'C': {"▄▀▀▀", "█   ", "█   ", "█   ", " ▀▀▀"},
	'H': {"█  █", "█  █", "█▀▀█", "█  █", "▀  ▀"},
	'J': {"   █", "   █", "   █", "█  █", " ▀▀ "},
	'K': {"█  █", "█ ▄▀", "█▀▄ ", "█  █", "▀  ▀"},
	'M': {"█▄ ▄█", "█ ▀ █", "█   █", "█   █", "▀   ▀"},
	'Q': {"▄▀▀▄", "█  █", "█  █", "█ ▀▄", " ▀▀▀"},
	'S': {"▄▀▀▀", "▀▄▄ ", "   █", "   █", "▀▀▀ "},
	'X': {"█  █", "▀▄▄▀", "▄▀▀▄", "█  █", "▀  ▀"},
	'Z': {"▀▀▀█", "  ▄▀", " ▄▀ ", "▄▀  ", "▀▀▀▀"},
	'_': {"    ", "    ", "    ", "    ", "▀▀▀▀"},
	'.': {" ", " ", " ", " ", "▀"},
	'/': {"   █", "  █ ", " █  ", "█   ", "▀   "},
	'0': {"▄▀▀▄", "█ ▄█", "██ █", "█  █", " ▀▀ "},
	'1': {" ▄█ ", "  █ ", "  █ ", "  █ ", " ▀▀▀"},
	'2': {"▄▀▀▄", "   █", " ▄▀ ", "▄▀  ", "▀▀▀▀"},
	'3': {"▀▀▀█", "  ▄▀", "   █", "█  █", " ▀▀ "},
	'4': {"█  █", "█  █", "▀▀▀█", "   █", "   ▀"},
	'5': {"█▀▀▀", "█▄▄ ", "   █", "█  █", " ▀▀ "},
	'6': {"▄▀▀ ", "█▄▄ ", "█  █", "█  █", " ▀▀ "},
	'7': {"▀▀▀█", "   █", "  █ ", " █  ", " ▀  "},
	'8': {"▄▀▀▄", "▀▄▄▀", "█  █", "█  █", " ▀▀ "},
	'9': {"▄▀▀▄", "█  █", " ▀▀█", "   █", " ▀▀ "},
	':': {" ", "▀", " ", "▀", " "},
	' ': {"  ", "  ", "  ", "  ", "  "},
	'-': {"    ", "    ", "▀▀▀▀", "    ", "    "},
}

// Big renders s in the block font, five lines; characters the font lacks
// are left out. Letters are separated by one column.
func Big(s string) []string { return BigScaled(s, 1) }

// BigScaled is Big with the font k times larger: each half-block cell is
// two pixels, every pixel becomes k×k, and the pixels are drawn again with
// half blocks, so letters grow solid (5k lines) instead of striped.
func BigScaled(s string, k int) []string {
	base := bigRows(s)
	if k <= 1 {
		return base
	}
	var px [][]bool // pixel rows, two per base line
	for _, row := range base {
		top, bottom := make([]bool, 0, len(row)), make([]bool, 0, len(row))
		for _, r := range row {
			top = append(top, r == '█' || r == '▀')
			bottom = append(bottom, r == '█' || r == '▄')
		}
		px = append(px, top, bottom)
	}
	var scaled [][]bool
	for _, row := range px {
		wide := make([]bool, 0, len(row)*k)
		for _, p := range row {
			for range k {
				wide = append(wide, p)
			}
		}
		for range k {
			scaled = append(scaled, wide)
		}
	}
	out := make([]string, 0, len(scaled)/2)
	for i := 0; i+1 < len(scaled); i += 2 {
		var b strings.Builder
		for j := range scaled[i] {
			b.WriteRune([...]rune{' ', '▄', '▀', '█'}[boolInt(scaled[i][j])*2+boolInt(scaled[i+1][j])])
		}
		out = append(out, b.String())
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func bigRows(s string) []string {
	var rows [5]strings.Builder
	for _, r := range strings.ToUpper(s) {
		g, ok := font[r]
		if !ok {
			continue
		}
		for i := range rows {
			if rows[i].Len() > 0 {
				rows[i].WriteByte(' ')
			}
			rows[i].WriteString(g[i])
		}
	}
	out := make([]string, 5)
	for i := range rows {
		out[i] = rows[i].String()
	}
	return out
}
