package network

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Hop is one router on the path (one TTL).
type Hop struct {
	TTL     int           `json:"ttl"`
	Address string        `json:"address"` // "" when no reply came for this TTL
	RTT     time.Duration `json:"rtt"`     // best round trip seen, 0 without a reply
	Note    string        `json:"note"`    // traceroute's annotations (!H, !N, !X …)
}

// TraceResult is a path trace for the drill-down.
type TraceResult struct {
	Target  string `json:"target"`
	Address string `json:"address"` // the target's IP as traceroute resolved it
	Tool    string `json:"tool"`    // the system program that traced
	Hops    []Hop  `json:"hops"`
	Reached bool   `json:"reached"` // the target answered
	// Loop is true when an address appears again after a different one: the
	// packets go round (the runbook's BGP loop). LoopHops is the repeating part.
	Loop     bool     `json:"loop"`
	LoopHops []string `json:"loop_hops"`
	// Unavailable says why no trace could be taken (no tool installed).
	Unavailable string `json:"unavailable"`
	// Incomplete says why the hops end early (the deadline came first).
	Incomplete string `json:"incomplete"`
}

// tracer is a system program that traces a path and the parser of its output.
type tracer struct {
	name  string
	args  func(host string, maxHops int) []string
	parse func(out string) []Hop
}

// tracers are tried in order; traceroute probes hops in parallel and bounds
// each wait (-w 1), so it is the faster of the two.
var tracers = []tracer{
	{"traceroute", func(h string, n int) []string {
		return []string{"-n", "-q", "1", "-w", "1", "-m", strconv.Itoa(n), h}
	}, parseTraceroute},
	{"tracepath", func(h string, n int) []string { return []string{"-n", "-m", strconv.Itoa(n), h} }, parseTracepath},
}

// ErrBadHost is returned for a host that could be mistaken for an option.
var ErrBadHost = errors.New("bad host")

// Trace traces the path to host with the system's traceroute or tracepath,
// at most maxHops hops, within ctx. Without either program the result says
// so in Unavailable; when ctx ends first the hops so far are returned with
// Incomplete set. The error is for a trace that could not run at all.
func Trace(ctx context.Context, host string, maxHops int) (TraceResult, error) {
	res := TraceResult{Target: host}
	if host == "" || strings.HasPrefix(host, "-") || strings.ContainsAny(host, " \t\n") {
		return res, fmt.Errorf("trace %q: %w", host, ErrBadHost)
	}
	if maxHops <= 0 {
		maxHops = 30
	}
	for _, t := range tracers {
		path, err := exec.LookPath(t.name)
		if err != nil {
			continue
		}
		res.Tool = t.name
		cmd := exec.CommandContext(ctx, path, t.args(host, maxHops)...)
		cmd.WaitDelay = 100 * time.Millisecond
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		res.Hops = t.parse(string(out))
		res.Address = targetIP(string(out))
		res.finish()
		switch {
		case ctx.Err() != nil:
			res.Incomplete = "deadline reached after " + strconv.Itoa(len(res.Hops)) + " hops"
		case err != nil && len(res.Hops) == 0:
			msg := strings.TrimSpace(stderr.String())
			if i := strings.IndexByte(msg, '\n'); i >= 0 {
				msg = msg[:i]
			}
			return res, fmt.Errorf("%s %s: %w: %s", t.name, host, err, msg)
		}
		return res, nil
	}
	res.Unavailable = "neither traceroute nor tracepath is installed (apt-get install traceroute)"
	return res, nil
}

// finish sets Reached and the loop fields from the hops.
func (r *TraceResult) finish() {
	if n := len(r.Hops); n > 0 && r.Hops[n-1].Address != "" {
		last := r.Hops[n-1]
		r.Reached = last.Address == r.Target || last.Address == r.Address || last.Note == "reached"
	}
	r.LoopHops = DetectLoop(r.Hops)
	r.Loop = len(r.LoopHops) > 0
}

// DetectLoop returns the repeating sequence of addresses when one appears
// again after a different address (silent hops ignored, a router answering
// twice in a row is not a loop); nil when the path has no loop.
func DetectLoop(hops []Hop) []string {
	var seq []string
	for _, h := range hops {
		if h.Address == "" || len(seq) > 0 && seq[len(seq)-1] == h.Address {
			continue
		}
		seq = append(seq, h.Address)
	}
	for i := range seq {
		for j := i + 1; j < len(seq); j++ {
			if seq[j] == seq[i] {
				return append([]string(nil), seq[i:j]...)
			}
		}
	}
	return nil
}
