package config

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Issue is one problem found in a config, at a 1-based line and column.
type Issue struct {
	Line, Col int
	Msg       string
}

// String writes the issue as "line:col: msg".
func (i Issue) String() string { return fmt.Sprintf("%d:%d: %s", i.Line, i.Col, i.Msg) }

// ValidationError holds every issue found in one config, in file order.
type ValidationError struct {
	// Source is the file the issues are in (or "built-in default").
	Source string
	Issues []Issue
}

// Error prints one issue per line as "file:line:col: msg".
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		lines[i] = e.Source + ":" + is.String()
	}
	return strings.Join(lines, "\n")
}

// issues collects errors and warnings while a config is read.
type issues struct {
	errs     []Issue
	warnings []Issue
	lint     []Issue // depend on the machine, see lintConfig
}

func (s *issues) errorf(n *yaml.Node, format string, args ...any) {
	s.errs = append(s.errs, at(n, fmt.Sprintf(format, args...)))
}

func (s *issues) warnf(n *yaml.Node, format string, args ...any) {
	s.warnings = append(s.warnings, at(n, fmt.Sprintf(format, args...)))
}

func at(n *yaml.Node, msg string) Issue {
	if n == nil || n.Line == 0 {
		return Issue{Line: 1, Col: 1, Msg: msg}
	}
	return Issue{Line: n.Line, Col: n.Column, Msg: msg}
}

// sortIssues orders issues by position, keeping the order of those at one spot.
func sortIssues(is []Issue) {
	sort.SliceStable(is, func(a, b int) bool {
		if is[a].Line != is[b].Line {
			return is[a].Line < is[b].Line
		}
		return is[a].Col < is[b].Col
	})
}

// unknownKey reports key k, suggesting the closest of known.
func (s *issues) unknownKey(k *yaml.Node, known []string) {
	s.errorf(k, "unknown key %q%s", k.Value, didYouMean(k.Value, known))
}

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to s,
// or "" when none is close enough to be a likely typo. A candidate that
// extends s or is extended by it ("max_rows" for max_rows_modified) counts
// as close.
func didYouMean(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := 1
	switch n := len([]rune(s)); {
	case n > 7:
		limit = 3
	case n > 3:
		limit = 2
	}
	if bestD > limit || bestD < 0 {
		best = ""
		for _, c := range candidates {
			if len(s) >= 3 && len(c) >= 3 && (strings.HasPrefix(c, s) || strings.HasPrefix(s, c)) &&
				(best == "" || len(c) < len(best)) {
				best = c
			}
		}
	}
	if best == "" || best == s {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, with an adjacent
// transposition counted as one edit (so "adress" and "addres" are both close).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
