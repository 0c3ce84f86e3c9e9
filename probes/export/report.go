package export

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// Report is one graded round: the shape of `triage check --format json`.
type Report struct {
	Estate   string         `json:"estate"`
	Time     time.Time      `json:"time"`
	Severity incident.Grade `json:"severity"`
	Reason   string         `json:"reason"`
	Layers   []LayerReport  `json:"layers"`
	// Causes ranks the failing layers: worst first, then the seed's weight.
	Causes []probes.Layer `json:"likely_causes"`
}

// LayerReport is one of the five layers with its checks.
type LayerReport struct {
	Layer  probes.Layer    `json:"layer"`
	Status probes.Status   `json:"status"`
	Checks []probes.Result `json:"checks"`
}

// Build grades results (statuses as given) and groups them by layer, the
// five layers always present and in the seed's order.
func Build(estate string, now time.Time, results []probes.Result, core []string) Report {
	coreSet := map[string]bool{}
	for _, c := range core {
		coreSet[c] = true
	}
	a := incident.Assess(results, coreSet)
	r := Report{Estate: estate, Time: now.UTC(), Severity: a.Grade, Reason: a.Reason, Causes: a.Causes}
	if r.Causes == nil {
		r.Causes = []probes.Layer{}
	}
	for _, ls := range a.Layers {
		lr := LayerReport{Layer: ls.Layer, Status: ls.Status, Checks: []probes.Result{}}
		for _, res := range results {
			if res.Layer == ls.Layer {
				lr.Checks = append(lr.Checks, res)
			}
		}
		r.Layers = append(r.Layers, lr)
	}
	return r
}

// JSON writes the report indented, one document.
func JSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

var glyphs = map[probes.Status]string{probes.OK: "✔", probes.Warn: "▲", probes.Crit: "✖", probes.Unknown: "?"}

// Glyph is the status's symbol; status is never shown by colour alone.
func Glyph(s probes.Status) string { return glyphs[s] }

// Text writes a report for people: the grade, then each layer with its checks.
func Text(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  severity %s", r.Estate, r.Time.Format(time.RFC3339), strings.ToUpper(r.Severity.String()))
	if r.Severity != incident.Green {
		fmt.Fprintf(&b, " (%s; restore %s): %s", r.Severity.Meaning(), r.Severity.RestoreTarget(), r.Reason)
	}
	b.WriteString("\n")
	for _, l := range r.Layers {
		fmt.Fprintf(&b, "\n%s %-11s %s\n", Glyph(l.Status), l.Layer, l.Status)
		if len(l.Checks) == 0 {
			b.WriteString("    (no checks)\n")
		}
		for _, c := range l.Checks {
			val := ""
			if c.Value != nil {
				val = fmt.Sprintf(" [%s%s]", trimFloat(*c.Value), unitSuffix(c.Unit))
			}
			fmt.Fprintf(&b, "  %s %-7s %s: %s%s (%dms)\n", Glyph(c.Status), c.Status, c.ID, oneLine(c.Summary), val, c.Duration.Milliseconds())
			if c.Err != "" && c.Err != c.Summary {
				fmt.Fprintf(&b, "            error: %s\n", oneLine(c.Err))
			}
		}
	}
	if len(r.Causes) > 0 {
		names := make([]string, len(r.Causes))
		for i, c := range r.Causes {
			names[i] = c.String()
		}
		fmt.Fprintf(&b, "\nlikely cause, in order: %s\n", strings.Join(names, " → "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func unitSuffix(u string) string {
	switch u {
	case "", "%":
		return u
	}
	return " " + u
}

// oneLine makes an estate string safe for a terminal line: control
// characters (escape sequences included) become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
