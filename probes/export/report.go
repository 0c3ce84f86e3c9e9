package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/fivelayer/triage/internal/safety"
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
	// Causes are the layers of the root causes, best-ranked first.
	Causes []probes.Layer `json:"likely_causes"`
	// Diagnosis is the root causes over the dependency graph (docs/diagnosis.md).
	Diagnosis incident.Diagnosis `json:"diagnosis"`
}

// LayerReport is one of the five layers with its checks. A layer with no
// check at all is not watched: status unknown, never ok.
type LayerReport struct {
	Layer   probes.Layer    `json:"layer"`
	Status  probes.Status   `json:"status"`
	Watched bool            `json:"watched"`
	Checks  []probes.Result `json:"checks"`
}

// Build grades and diagnoses results (statuses as given) over the estate's
// topology and groups them by layer, the five layers always present and in
// the runbook's order.
func Build(estate string, now time.Time, results []probes.Result, topo *incident.Topology) Report {
	return FromAssessment(estate, now, results, incident.Assess(results, topo))
}

// FromAssessment is Build for results already assessed (an incident
// tracker's round): a diagnosis of ten thousand checks is not made twice.
func FromAssessment(estate string, now time.Time, results []probes.Result, a incident.Assessment) Report {
	r := Report{Estate: estate, Time: now.UTC(), Severity: a.Grade, Reason: a.Reason, Causes: a.Causes, Diagnosis: a.Diagnosis}
	if r.Causes == nil {
		r.Causes = []probes.Layer{}
	}
	for _, ls := range a.Layers {
		lr := LayerReport{Layer: ls.Layer, Status: ls.Status, Watched: ls.Watched, Checks: []probes.Result{}}
		if !ls.Watched {
			lr.Status = probes.Unknown
		}
		for _, res := range results {
			if res.Layer == ls.Layer {
				lr.Checks = append(lr.Checks, res)
			}
		}
		r.Layers = append(r.Layers, lr)
	}
	return r
}

// writeDiagnosis prints the root causes first: each with its chain and advice.
func writeDiagnosis(b *strings.Builder, d incident.Diagnosis) {
	if len(d.RootCauses) == 0 && len(d.Observer) == 0 {
		return
	}
	b.WriteString("\nroot causes, most likely first:\n")
	if len(d.RootCauses) == 0 {
		b.WriteString("  none in the estate\n")
	}
	for i, rc := range d.RootCauses {
		fmt.Fprintf(b, "  %d. %s %s %s: %s\n", i+1, Glyph(rc.Status), rc.Status, oneLine(rc.CheckID), oneLine(rc.Summary))
		if len(rc.Chain) > 1 {
			fmt.Fprintf(b, "     chain: %s\n", oneLine(rc.ChainText))
		}
		if len(rc.Explains) > 0 {
			fmt.Fprintf(b, "     explains: %s\n", oneLine(strings.Join(rc.Explains, ", ")))
		}
		for _, a := range rc.Advice {
			fmt.Fprintf(b, "     do: %s\n", oneLine(incident.AdviceLine(a)))
		}
	}
	if len(d.Observer) > 0 {
		fmt.Fprintf(b, "  observer (the machine triage runs on, not an estate cause): %s\n", oneLine(strings.Join(d.Observer, ", ")))
	}
	if len(d.Unexplained) > 0 {
		fmt.Fprintf(b, "  unexplained: %s\n", oneLine(strings.Join(d.Unexplained, ", ")))
	}
}

// JSON writes the report indented, one document: the bytes json.Encoder
// with SetIndent("", "  ") writes, indented on the way out rather than in
// memory (a report of 10,000 checks is 15 MB, and indenting it in memory
// held it twice more).
func JSON(w io.Writer, r Report) error {
	compact, err := json.Marshal(r)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	writeIndented(bw, compact, "  ")
	_ = bw.WriteByte('\n')
	return bw.Flush()
}

// writeIndented writes compact JSON (as json.Marshal makes it) indented as
// json.Indent would with no prefix: empty objects and arrays stay {} and [].
// Write errors are left to the caller's Flush.
func writeIndented(w *bufio.Writer, compact []byte, indent string) {
	depth := 0
	open := false // just after { or [: the newline waits for the next byte
	inString, escaped := false, false
	newline := func() {
		_ = w.WriteByte('\n')
		for range depth {
			_, _ = w.WriteString(indent)
		}
	}
	for _, c := range compact {
		if inString {
			_ = w.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if open && c != '}' && c != ']' {
			open = false
			depth++
			newline()
		}
		switch c {
		case '"':
			inString = true
			_ = w.WriteByte(c)
		case '{', '[':
			open = true
			_ = w.WriteByte(c)
		case ',':
			_ = w.WriteByte(c)
			newline()
		case ':':
			_, _ = w.WriteString(": ")
		case '}', ']':
			if open {
				open = false
			} else {
				depth--
				newline()
			}
			_ = w.WriteByte(c)
		default:
			_ = w.WriteByte(c)
		}
	}
}

var glyphs = map[probes.Status]string{probes.OK: "✔", probes.Warn: "▲", probes.Crit: "✖", probes.Unknown: "?"}

// Glyph is the status's symbol; status is never shown by colour alone.
func Glyph(s probes.Status) string { return glyphs[s] }

// Text writes a report for people: the grade, then each layer with its checks.
func Text(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  severity %s", oneLine(r.Estate), r.Time.Format(time.RFC3339), strings.ToUpper(r.Severity.String()))
	if r.Severity != incident.Green {
		fmt.Fprintf(&b, " (%s; restore %s): %s", r.Severity.Meaning(), r.Severity.RestoreTarget(), oneLine(r.Reason))
	}
	b.WriteString("\n")
	writeDiagnosis(&b, r.Diagnosis)
	for _, l := range r.Layers {
		if !l.Watched {
			fmt.Fprintf(&b, "\n- %-11s not watched (no checks)\n", l.Layer)
			continue
		}
		fmt.Fprintf(&b, "\n%s %-11s %s\n", Glyph(l.Status), l.Layer, l.Status)
		for _, c := range l.Checks {
			val := ""
			if c.Value != nil {
				val = fmt.Sprintf(" [%s%s]", trimFloat(*c.Value), unitSuffix(oneLine(c.Unit)))
			}
			fmt.Fprintf(&b, "  %s %-7s %s: %s%s (%dms)\n", Glyph(c.Status), c.Status, oneLine(c.ID), oneLine(c.Summary), val, c.Duration.Milliseconds())
			if c.Err != "" && c.Err != c.Summary {
				fmt.Fprintf(&b, "            error: %s\n", oneLine(c.Err))
			}
		}
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

// oneLine makes an estate string safe for a terminal line: escape
// sequences go with their payload, controls and bidirectional overrides go.
func oneLine(s string) string { return safety.Sanitize(s) }
