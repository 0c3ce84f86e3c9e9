package safety

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Masked replaces a secret triage resolved.
const Masked = "…"

// MinSecretLen is the shortest secret Mask replaces: a shorter one would
// turn ordinary text into noise, and no real password is that short.
const MinSecretLen = 3

// Mask replaces every secret in s, as written, JSON-escaped or
// URL-escaped (a script may print a DSN in any of these forms), with
// Masked. Longer secrets go first so a DSN is masked whole, not around its
// password.
func Mask(s string, secrets []string) string {
	if s == "" {
		return s
	}
	for _, sec := range byLength(secrets) {
		for _, form := range forms(sec) {
			if strings.Contains(s, form) {
				s = strings.ReplaceAll(s, form, Masked)
			}
		}
	}
	return s
}

// forms are the spellings of a secret that Mask replaces.
func forms(sec string) []string {
	out := []string{sec}
	if enc, err := json.Marshal(sec); err == nil {
		if e := string(enc[1 : len(enc)-1]); e != sec {
			out = append(out, e)
		}
	}
	for _, e := range []string{url.QueryEscape(sec), url.PathEscape(sec)} {
		if e != sec {
			out = append(out, e)
		}
	}
	return out
}

// byLength returns the secrets long enough to mask, longest first.
func byLength(secrets []string) []string {
	out := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if len(s) >= MinSecretLen {
			out = append(out, s)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// MaxSecretLen is the margin Capture keeps beyond its head and tail so a
// secret cut by the omitted middle is masked whole and then trimmed away.
const MaxSecretLen = 1024

// Capture is an io.Writer that keeps the first Head and the last Tail
// bytes of what is written (plus a margin) and counts the rest, so a
// command that prints gigabytes costs a few kilobytes.
type Capture struct {
	Head, Tail int
	head, tail []byte
	total      int64
}

// NewCapture returns a Capture keeping head and tail bytes.
func NewCapture(head, tail int) *Capture { return &Capture{Head: head, Tail: tail} }

// Write implements io.Writer; it never fails.
func (c *Capture) Write(p []byte) (int, error) {
	n := len(p)
	c.total += int64(n)
	if room := c.Head + MaxSecretLen - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	if len(p) > 0 {
		keep := c.Tail + MaxSecretLen
		c.tail = append(c.tail, p...)
		if len(c.tail) > 2*keep {
			c.tail = append(c.tail[:0], c.tail[len(c.tail)-keep:]...)
		}
	}
	return n, nil
}

// Len is how many bytes were written in all.
func (c *Capture) Len() int64 { return c.total }

// String returns the captured output with secrets masked: all of it when
// it fits in Head+Tail, else the head, a line saying how many bytes were
// left out, and the tail.
func (c *Capture) String(secrets []string) string {
	keep := c.Tail + MaxSecretLen
	tail := c.tail
	if len(tail) > keep {
		tail = tail[len(tail)-keep:]
	}
	if int64(len(c.head)+len(tail)) == c.total {
		// Nothing was dropped: mask the whole, then bound it.
		return Bound(Mask(string(c.head)+string(tail), secrets), c.Head, c.Tail)
	}
	// Mask each part with its margin, then trim the margins: a secret
	// split by the dropped middle lies within a margin and goes with it.
	head := cutRunes(Mask(string(c.head), secrets), c.Head)
	t := lastRunes(Mask(string(tail), secrets), c.Tail)
	return head + omittedLine(c.total-int64(c.Head)-int64(c.Tail)) + t
}

func omittedLine(n int64) string {
	return "\n… [" + itoa(n) + " bytes omitted] …\n"
}

// Bound returns s (already masked) whole when it fits in head+tail bytes,
// else its head, a line counting what was left out, and its tail.
func Bound(s string, head, tail int) string {
	if len(s) <= head+tail {
		return s
	}
	h, t := cutRunes(s, head), lastRunes(s, tail)
	return h + omittedLine(int64(len(s)-len(h)-len(t))) + t
}

// cutRunes keeps at most n bytes of s from the start, on a rune boundary.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// lastRunes keeps at most n bytes of s from the end, on a rune boundary.
func lastRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// MaskJSON replaces every secret in a JSON document b with marker (a
// string that needs no JSON escaping), in each spelling Mask knows, and
// says how many it replaced. It is how a line is made safe to write to the
// audit log or a recording.
func MaskJSON(b []byte, secrets []string, marker string) ([]byte, int) {
	n := 0
	s := string(b)
	for _, sec := range byLength(secrets) {
		for _, form := range forms(sec) {
			if c := strings.Count(s, form); c > 0 {
				n += c
				s = strings.ReplaceAll(s, form, marker)
			}
		}
	}
	return []byte(s), n
}
