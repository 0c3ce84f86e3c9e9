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
func Big(s string) []string {
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
