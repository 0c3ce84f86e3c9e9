package config

import (
	"bytes"
	"runtime"
	"sync"

	"gopkg.in/yaml.v3"
)

// splitMin is the size from which a config's components are parsed on
// several cores (a variable so that tests can split small configs).
var splitMin = 256 << 10

// parseSplit parses a large config with its `components:` list cut into
// runs of whole items, each parsed on its own core, and the rest of the
// file (the components' lines blanked, so that every line keeps its
// number) on another; the items are then put back under `components:`
// with their real line numbers. yaml.v3 parses about 10 MB/s here, so a
// 10,000-component config took 180 ms of the 200 ms its load may take.
//
// It only cuts what it can cut safely, and otherwise reports ok false and
// the caller parses the whole file as one: `components:` must be a
// top-level key followed by a block sequence whose items all start at one
// indentation, and no line inside may be less indented than the items (a
// next key, a document marker, a flow-style list). Any error in any part
// also reports ok false, so that the message, with its line and column,
// is the one-piece parse's: an alias to an anchor in another part is such
// an error.
func parseSplit(data []byte) (*yaml.Node, bool) {
	if !onlyLF(data) {
		return nil, false
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	key := -1
	for i, l := range lines {
		if isKeyLine(l, "components") {
			key = i
			break
		}
	}
	if key < 0 {
		return nil, false
	}
	first, end, items, ok := itemLines(lines, key+1)
	if !ok || len(items) < 2 {
		return nil, false
	}

	parts := min(max(runtime.GOMAXPROCS(0), 2), len(items))
	skeleton := make([]byte, 0, len(data))
	for i, l := range lines {
		if i >= first && i < end {
			skeleton = append(skeleton, '\n') // blanked: the line keeps its number
			continue
		}
		skeleton = append(skeleton, l...)
	}
	results := make([]*yaml.Node, parts)
	failed := make([]bool, parts+1)
	var root *yaml.Node
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := items[p*len(items)/parts], end
		if p+1 < parts {
			hi = items[(p+1)*len(items)/parts]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n yaml.Node
			if yaml.Unmarshal(bytes.Join(lines[lo:hi], nil), &n) != nil || len(n.Content) != 1 ||
				n.Content[0].Kind != yaml.SequenceNode || endsEmpty(n.Content[0]) {
				failed[p] = true
				return
			}
			shift(n.Content[0], lo)
			results[p] = n.Content[0]
		}()
	}
	r, ok := parseWhole(skeleton)
	wg.Wait()
	if !ok || r == nil {
		return nil, false
	}
	root = r
	for _, f := range failed {
		if f {
			return nil, false
		}
	}
	// The skeleton's `components:` has no value (a null scalar): the items go there.
	if root.Kind != yaml.MappingNode {
		return nil, false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "components" || k.Line != key+1 {
			continue
		}
		if v.Kind != yaml.ScalarNode || v.Tag != "!!null" {
			return nil, false
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: results[0].Line, Column: results[0].Column}
		for _, part := range results {
			seq.Content = append(seq.Content, part.Content...)
		}
		root.Content[i+1] = seq
		return root, true
	}
	return nil, false
}

// onlyLF reports whether every line break in data is LF or CRLF: YAML also
// ends a line at a lone CR and at NEL, LS and PS, which the cut would miss.
func onlyLF(data []byte) bool {
	for i, c := range data {
		if c == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			return false
		}
	}
	return !bytes.Contains(data, []byte("\u0085")) && !bytes.Contains(data, []byte("\u2028")) && !bytes.Contains(data, []byte("\u2029"))
}

// parseWhole parses one document, reporting ok false on an error or a
// second document.
func parseWhole(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, extra yaml.Node
	if dec.Decode(&doc) != nil || dec.Decode(&extra) == nil || len(doc.Content) == 0 {
		return nil, false
	}
	return doc.Content[0], true
}

// isKeyLine reports whether l is `key:` at the top level with nothing
// after it but spaces and a comment.
func isKeyLine(l []byte, key string) bool {
	rest, ok := bytes.CutPrefix(l, []byte(key+":"))
	if !ok {
		return false
	}
	rest = bytes.TrimLeft(rest, " ")
	return len(bytes.TrimSpace(rest)) == 0 || rest[0] == '#'
}

// itemLines finds the block sequence that starts after line from: the
// lines [first, end) it spans, and the line each of its items starts on.
// ok is false when the sequence is not one that can be cut (see parseSplit).
func itemLines(lines [][]byte, from int) (first, end int, items []int, ok bool) {
	indent := -1
	first, end = -1, len(lines)
	for i := from; i < len(lines); i++ {
		l := lines[i]
		body := bytes.TrimLeft(l, " ")
		if len(bytes.TrimSpace(body)) == 0 || body[0] == '#' {
			continue // blank or a comment: belongs to whatever is around it
		}
		if bytes.ContainsRune(l[:len(l)-len(body)], '\t') || body[0] == '\t' {
			return 0, 0, nil, false
		}
		n := len(l) - len(body)
		switch {
		case indent < 0: // the first item
			if !bytes.HasPrefix(body, []byte("- ")) {
				return 0, 0, nil, false
			}
			indent, first = n, i
			items = append(items, i)
		case n == indent && bytes.HasPrefix(body, []byte("- ")):
			items = append(items, i)
		case n > indent:
			// inside an item
		case n == 0 && indent > 0 || n == 0 && !bytes.HasPrefix(body, []byte("-")):
			// the next top-level key: the list ended before it (and
			// before the blank lines and comments in between)
			end = i
			for end > first && len(bytes.TrimSpace(lines[end-1])) == 0 {
				end--
			}
			return first, end, items, true
		default:
			return 0, 0, nil, false
		}
	}
	if indent < 0 {
		return 0, 0, nil, false
	}
	return first, end, items, true
}

// endsEmpty reports whether the last node of n in document order is an
// empty value (`key:` with nothing after it). yaml.v3 places an empty value
// where the next token starts, which in a part alone is not where it is in
// the whole file.
func endsEmpty(n *yaml.Node) bool {
	for len(n.Content) > 0 {
		n = n.Content[len(n.Content)-1]
	}
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Style == 0
}

// shift adds before lines to the line of n and everything under it: a part
// parsed alone counts its lines from 1.
func shift(n *yaml.Node, before int) {
	n.Line += before
	for _, c := range n.Content {
		shift(c, before)
	}
}
