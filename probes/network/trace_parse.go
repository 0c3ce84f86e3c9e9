package network

import (
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// hopLine matches a traceroute hop line: " 3  10.0.0.1  9.101 ms …".
var hopLine = regexp.MustCompile(`^\s*(\d+)\s+(.*)$`)

// parseTraceroute reads `traceroute -n` output. Per hop it keeps the first
// address that answered, the best RTT and any !annotations.
func parseTraceroute(out string) []Hop {
	var hops []Hop
	for _, line := range strings.Split(out, "\n") {
		m := hopLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ttl, _ := strconv.Atoi(m[1])
		h := Hop{TTL: ttl}
		f := strings.Fields(m[2])
		for i := 0; i < len(f); i++ {
			switch tok := f[i]; {
			case tok == "*":
			case net.ParseIP(tok) != nil:
				if h.Address == "" {
					h.Address = tok
				}
			case strings.HasPrefix(tok, "!"):
				if !strings.Contains(h.Note, tok) {
					h.Note = strings.TrimSpace(h.Note + " " + tok)
				}
			case i+1 < len(f) && f[i+1] == "ms":
				h.RTT = bestRTT(h.RTT, tok)
				i++
			}
		}
		hops = mergeHop(hops, h)
	}
	return hops
}

// pathLine matches a tracepath line: " 4:  198.51.100.9   9.901ms pmtu 1492"
// (" 1?:" is the local probe).
var pathLine = regexp.MustCompile(`^\s*(\d+)\??:\s+(.*)$`)

// parseTracepath reads `tracepath -n` output; a TTL printed on several lines
// (pmtu changes, repeated probes) becomes one hop.
func parseTracepath(out string) []Hop {
	var hops []Hop
	for _, line := range strings.Split(out, "\n") {
		m := pathLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ttl, _ := strconv.Atoi(m[1])
		f := strings.Fields(m[2])
		if len(f) == 0 || f[0] == "[LOCALHOST]" {
			continue
		}
		h := Hop{TTL: ttl}
		if net.ParseIP(f[0]) != nil {
			h.Address = f[0]
		}
		for _, tok := range f[1:] {
			switch {
			case strings.HasSuffix(tok, "ms"):
				h.RTT = bestRTT(h.RTT, strings.TrimSuffix(tok, "ms"))
			case tok == "reached":
				h.Note = "reached"
			}
		}
		hops = mergeHop(hops, h)
	}
	return hops
}

// mergeHop appends h, or folds it into the last hop when it has the same TTL.
func mergeHop(hops []Hop, h Hop) []Hop {
	n := len(hops)
	if n == 0 || hops[n-1].TTL != h.TTL {
		return append(hops, h)
	}
	last := &hops[n-1]
	if last.Address == "" {
		last.Address = h.Address
	}
	if h.RTT > 0 && (last.RTT == 0 || h.RTT < last.RTT) {
		last.RTT = h.RTT
	}
	if h.Note != "" && !strings.Contains(last.Note, h.Note) {
		last.Note = strings.TrimSpace(last.Note + " " + h.Note)
	}
	return hops
}

// bestRTT returns the smaller of cur and the milliseconds in s (cur when s
// does not parse or cur is smaller).
func bestRTT(cur time.Duration, s string) time.Duration {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return cur
	}
	d := time.Duration(math.Round(v*1000)) * time.Microsecond
	if cur == 0 || d < cur {
		return d
	}
	return cur
}

// traceHeader matches traceroute's first line: "traceroute to h (1.2.3.4), …".
var traceHeader = regexp.MustCompile(`^traceroute to \S+ \(([^)]+)\)`)

// targetIP returns the address in traceroute's header, "" for tracepath.
func targetIP(out string) string {
	if m := traceHeader.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return ""
}
