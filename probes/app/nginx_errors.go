package app

import (
	"bytes"
	"regexp"
	"time"
)

// upstreamKind is one kind of upstream failure the nginx error log reports.
type upstreamKind int

// The kinds counted, in evidence order.
const (
	kindTimedOut upstreamKind = iota
	kindConnectFailed
	kindNoLiveUpstreams
	kindPrematurelyClosed
	kindInvalidHeader
	kind502
	kind503
	kind504
	numUpstreamKinds
)

// upstreamKindNames are the evidence keys of the kinds.
var upstreamKindNames = [numUpstreamKinds]string{
	"timed_out", "connect_failed", "no_live_upstreams", "prematurely_closed", "invalid_header",
	"http_502", "http_503", "http_504",
}

// impliedStatus is the status nginx answers the client for each kind.
var impliedStatus = [numUpstreamKinds]string{"504", "502", "502", "502", "502", "502", "503", "504"}

var (
	reConnectFailed = regexp.MustCompile(`connect\(\) (?:to \S+ )?failed`)
	// reStatus finds a status nginx or a module wrote into the error log
	// ("status 502", "code: 503", "HTTP/1.1 504"); request URIs are not matched.
	reStatus = regexp.MustCompile(`(?i)\b(?:status|code|HTTP/\d(?:\.\d)?)[ :=]+"?(50[234])\b`)
)

// classifyUpstream returns the kind of upstream failure a log line reports.
func classifyUpstream(line []byte) (upstreamKind, bool) {
	switch {
	case bytes.Contains(line, []byte("upstream timed out")):
		return kindTimedOut, true
	case bytes.Contains(line, []byte("no live upstreams")):
		return kindNoLiveUpstreams, true
	case bytes.Contains(line, []byte("upstream prematurely closed")):
		return kindPrematurelyClosed, true
	case bytes.Contains(line, []byte("upstream sent invalid")):
		return kindInvalidHeader, true
	case reConnectFailed.Match(line):
		return kindConnectFailed, true
	}
	if m := reStatus.FindSubmatch(line); m != nil {
		switch string(m[1]) {
		case "502":
			return kind502, true
		case "503":
			return kind503, true
		default:
			return kind504, true
		}
	}
	return 0, false
}

// Ring geometry: 10-second slots kept for 15 minutes.
const (
	ringSlot  = 10 * time.Second
	ringSlots = 90
)

type ringSlotCounts struct {
	stamp  int64 // slot number (unix seconds / 10) the counts belong to
	counts [numUpstreamKinds]int
}

// errorRing counts failures by kind in 10-second slots over 15 minutes, in
// fixed memory whatever the log's volume.
type errorRing struct {
	slots [ringSlots]ringSlotCounts
}

func slotOf(t time.Time) int64 { return t.Unix() / int64(ringSlot/time.Second) }

// add counts one failure of kind k at t.
func (r *errorRing) add(t time.Time, k upstreamKind) {
	n := slotOf(t)
	s := &r.slots[n%ringSlots]
	if s.stamp > n { // older than the ring keeps
		return
	}
	if s.stamp != n {
		*s = ringSlotCounts{stamp: n}
	}
	s.counts[k]++
}

// window sums the counts of the slots that end within d before now
// (including the current, partial slot).
func (r *errorRing) window(now time.Time, d time.Duration) [numUpstreamKinds]int {
	var out [numUpstreamKinds]int
	cur := slotOf(now)
	span := int64(d / ringSlot)
	for i := range r.slots {
		s := &r.slots[i]
		if s.stamp > cur-span && s.stamp <= cur {
			for k, c := range s.counts {
				out[k] += c
			}
		}
	}
	return out
}

// perMinute returns the total of each of the last minutes, oldest first;
// the last entry is the minute ending now.
func (r *errorRing) perMinute(now time.Time, minutes int) []int {
	out := make([]int, minutes)
	cur := slotOf(now)
	per := int64(time.Minute / ringSlot)
	for i := range r.slots {
		s := &r.slots[i]
		age := cur - s.stamp
		if s.stamp == 0 || age < 0 || age >= per*int64(minutes) {
			continue
		}
		idx := minutes - 1 - int(age/per)
		for _, c := range s.counts {
			out[idx] += c
		}
	}
	return out
}
