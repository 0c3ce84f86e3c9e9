package common

import (
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui/text"
)

// SparkLen is how many samples an item's sparkline keeps; panes show the tail.
const SparkLen = 16

// SlowInFlight is how long a check must be in flight before the screen marks
// it: a quick round then changes nothing on screen.
const SlowInFlight = time.Second

// Item is one check, digested for display. Strings are sanitised.
type Item struct {
	ID, Component, Probe, Check string
	Name                        string // within its component and layer: the check, or probe/check when ambiguous
	Layer                       probes.Layer
	Status                      probes.Status
	Display                     Display
	InFlight                    bool // in flight for SlowInFlight or more
	Summary                     string
	Value                       string // formatted with its unit
	Spark                       []rune
	State                       *probes.CheckState // the raw state: evidence, history, error

	haystack string // lower-case "id status-word" for the filter
}

// Matches reports whether the item passes a lower-case filter (substring of
// its id, component or status word). The empty filter matches everything.
func (it *Item) Matches(filter string) bool {
	return filter == "" || strings.Contains(it.haystack, filter)
}

// LayerView is one layer's digest.
type LayerView struct {
	Layer                             probes.Layer
	Status                            probes.Status // worst of the probed checks
	Total, Probed, InFlight, TimedOut int
	Oldest                            time.Time // oldest result time: the age of the layer's data
	Items                             []int     // into Estate.Items, grouped by component
}

// Estate is a snapshot digested once per change.
type Estate struct {
	Snap        probes.Snapshot
	Items       []Item
	Layers      [5]LayerView
	Components  []string         // in the order the snapshot lists them (config order)
	ByComponent map[string][]int // component → item indices, in snapshot order
	byID        map[string]int
	// Results are the probed checks' results with sanitised names, summaries
	// and errors, for the procedure.
	Results     []probes.Result
	Fingerprint uint64
}

// Fingerprint hashes what the panes draw: per check its status, summary,
// value, whether it has a result, timed out or is (slowly) in flight. Two
// snapshots with the same fingerprint draw the same panes.
func Fingerprint(snap probes.Snapshot, now time.Time) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range snap.Checks {
		c := &snap.Checks[i]
		h.Write([]byte(c.ID))
		flags := byte(c.Status) | boolBit(c.Probed, 4) | boolBit(c.TimedOut, 5) | boolBit(slowInFlight(snap, c, now), 6) | boolBit(c.Value != nil, 7)
		b[0] = flags
		h.Write(b[:1])
		if c.Value != nil {
			bits := math.Float64bits(*c.Value)
			for j := range 8 {
				b[j] = byte(bits >> (8 * j))
			}
			h.Write(b[:])
		}
		h.Write([]byte(c.Summary))
		h.Write([]byte(c.Unit))
		// the sparkline draws the tail of the history
		tail := c.History[max(0, len(c.History)-SparkLen):]
		for _, s := range tail {
			bits := math.Float64bits(s.Value)
			for j := range 8 {
				b[j] = byte(bits >> (8 * j))
			}
			if !s.HasValue {
				b[0] ^= 0xff
			}
			h.Write(b[:])
		}
		b[0] = byte(len(tail))
		h.Write(b[:1])
	}
	return h.Sum64()
}

// slowInFlight reports whether c's probe has been running for SlowInFlight:
// since its own start when the scheduler says (a spread round starts probes
// at different moments), else since the round's (a recording).
func slowInFlight(snap probes.Snapshot, c *probes.CheckState, now time.Time) bool {
	if !snap.Running || !c.InFlight {
		return false
	}
	since := c.Since
	if since.IsZero() {
		since = snap.RoundStarted
	}
	return now.Sub(since) >= SlowInFlight
}

func boolBit(v bool, bit uint) byte {
	if v {
		return 1 << bit
	}
	return 0
}

// Build digests a snapshot at time now.
func Build(snap probes.Snapshot, now time.Time) *Estate {
	e := &Estate{Snap: snap, Items: make([]Item, len(snap.Checks)), ByComponent: map[string][]int{},
		byID: make(map[string]int, len(snap.Checks)), Fingerprint: Fingerprint(snap, now)}
	names := map[[3]string]int{} // component, layer, check → count
	for i := range snap.Checks {
		c := &snap.Checks[i]
		it := &e.Items[i]
		*it = Item{ID: text.Sanitize(c.ID), Component: text.Sanitize(c.Component), Probe: text.Sanitize(c.Probe),
			Check: text.Sanitize(c.Check), Layer: c.Layer, Status: c.Status, State: c,
			InFlight: c.Probed && slowInFlight(snap, c, now), Summary: text.Sanitize(c.Summary),
			Value: text.Value(c.Value, c.Unit), Spark: text.Spark(c.History, SparkLen)}
		switch {
		case !c.Probed:
			it.Display, it.Summary = DisplayProbing, "" // the status word says it
		case c.TimedOut:
			it.Display = DisplayTimedOut
		default:
			it.Display = Display(c.Status)
		}
		it.haystack = strings.ToLower(it.ID + " " + Words[it.Display] + " " + c.Status.String())
		if _, ok := e.ByComponent[it.Component]; !ok {
			e.Components = append(e.Components, it.Component)
		}
		e.ByComponent[it.Component] = append(e.ByComponent[it.Component], i)
		e.byID[c.ID] = i
		names[[3]string{it.Component, c.Layer.String(), it.Check}]++
		if c.Probed {
			r := c.Result
			r.ID, r.Component, r.Probe, r.Check, r.Summary = it.ID, it.Component, it.Probe, it.Check, it.Summary
			r.Err = text.Sanitize(r.Err)
			e.Results = append(e.Results, r)
		}
	}
	for l := range e.Layers {
		e.Layers[l].Layer = probes.Layer(l)
	}
	for _, comp := range e.Components {
		for _, i := range e.ByComponent[comp] {
			it := &e.Items[i]
			if names[[3]string{it.Component, it.Layer.String(), it.Check}] > 1 {
				it.Name = it.Probe + "/" + it.Check
			} else {
				it.Name = it.Check
			}
			if it.Layer < 0 || int(it.Layer) >= len(e.Layers) {
				continue
			}
			lv := &e.Layers[it.Layer]
			lv.Items = append(lv.Items, i)
			lv.Total++
			if it.InFlight || (it.State.InFlight && !it.State.Probed) {
				lv.InFlight++
			}
			if !it.State.Probed {
				continue
			}
			lv.Probed++
			lv.Status = probes.Worst(lv.Status, it.Status)
			if it.Display == DisplayTimedOut {
				lv.TimedOut++
			}
			if t := it.State.Time; !t.IsZero() && (lv.Oldest.IsZero() || t.Before(lv.Oldest)) {
				lv.Oldest = t
			}
		}
	}
	return e
}

// Item returns the item with check id, or nil.
func (e *Estate) Item(id string) *Item {
	if i, ok := e.byID[id]; ok {
		return &e.Items[i]
	}
	return nil
}

// ComponentStatus is the worst status of a component's probed checks, the
// worst item (nil when nothing is probed yet) and whether any check has a result.
func (e *Estate) ComponentStatus(component string) (probes.Status, *Item, bool) {
	worst, probed := probes.OK, false
	var at *Item
	for _, i := range e.ByComponent[component] {
		it := &e.Items[i]
		if !it.State.Probed {
			continue
		}
		if !probed || it.Status.Worse(worst) {
			worst, at = it.Status, it
		}
		probed = true
	}
	return worst, at, probed
}
