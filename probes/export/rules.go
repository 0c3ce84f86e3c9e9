package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// RuleProbe is one configured probe as the rules see it.
type RuleProbe struct {
	Component, Probe, Kind string
	Checks                 []probes.Check
	// Thresholds are the probe's configured thresholds by check (global
	// `kind.check` ones merged in). Only configured bounds become value
	// rules: a default lives in its probe's code, and a rule must say what
	// the estate's owner chose.
	Thresholds map[string]probes.Threshold
}

// RuleOverride changes the rule of the checks it matches (alerting.rules).
type RuleOverride struct {
	Match                                   func(kind, component, probe, check string) bool
	Severity, Summary, Description, Runbook string
	For                                     time.Duration
}

// RuleSource is what `triage rules export` reads from one estate's config.
type RuleSource struct {
	Estate            string
	Interval, Timeout time.Duration
	Probes            []RuleProbe
	Overrides         []RuleOverride
	Topology          *incident.Topology
}

// RuleFile is a Prometheus rule file.
type RuleFile struct {
	Groups []RuleGroup `yaml:"groups"`
}

// RuleGroup is one group of rules.
type RuleGroup struct {
	Name  string `yaml:"name"`
	Rules []Rule `yaml:"rules"`
}

// Rule is one alerting rule.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// belowChecks are checks whose threshold is a lower bound (fewer days to
// expiry is worse); every other threshold is an upper bound. A configured
// threshold does not carry its direction, its check's code does.
var belowChecks = map[string]bool{"certificate": true}

// Rules turns an estate's thresholds into Prometheus alerting rules over the
// series of `triage serve`: the grade (severity red/orange/yellow/blue), each
// root cause (its severity label comes from the series), stale data, and one
// rule per configured threshold bound on triage_check_value, with its for:.
func Rules(src RuleSource) RuleFile {
	sel := func(extra ...string) string {
		parts := []string{"estate=" + strconv.Quote(src.Estate)}
		for i := 0; i+1 < len(extra); i += 2 {
			parts = append(parts, extra[i]+"="+strconv.Quote(extra[i+1]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	g := RuleGroup{Name: "triage-" + src.Estate}
	for _, gr := range []incident.Grade{incident.Red, incident.Orange, incident.Yellow, incident.Blue} {
		g.Rules = append(g.Rules, Rule{
			Alert:  "TriageGrade" + camel(gr.String()),
			Expr:   fmt.Sprintf("triage_grade%s == %d", sel(), int(gr)),
			Labels: map[string]string{"severity": gr.String()},
			Annotations: map[string]string{
				"summary":     fmt.Sprintf("{{ $labels.estate }} is %s: %s", gr, gr.Meaning()),
				"description": fmt.Sprintf("Restore %s (deadline %s after the incident starts). triage's header and /api/v1/snapshot name the root cause.", gr.RestoreTarget(), model.Duration(gr.Deadline())),
				"runbook":     "Open triage on {{ $labels.estate }} ({{ $labels.instance }}): the guide walks the seed's procedure from the root cause.",
			},
		})
	}
	g.Rules = append(g.Rules, Rule{
		Alert: "TriageRootCause",
		Expr:  "triage_root_cause" + sel(),
		Annotations: map[string]string{
			"summary":     "{{ $labels.component }} {{ $labels.probe }}/{{ $labels.check }} is root cause #{{ $value }} of {{ $labels.estate }}",
			"description": "Layer {{ $labels.layer }}; it raises the grade to {{ $labels.severity }}. The causal chain and what it explains are in /api/v1/snapshot.",
			"runbook":     "triage's drill-down on {{ $labels.component }} lists the advice and the guarded actions.",
		},
	})
	stale := 3*src.Interval + src.Timeout
	g.Rules = append(g.Rules, Rule{
		Alert:  "TriageStale",
		Expr:   fmt.Sprintf("triage_snapshot_age_seconds%s > %s", sel(), num(stale.Seconds())),
		For:    model.Duration(src.Interval).String(),
		Labels: map[string]string{"severity": incident.Yellow.String()},
		Annotations: map[string]string{
			"summary":     "triage on {{ $labels.instance }} has not completed a probe round for {{ $value | humanizeDuration }}",
			"description": "Its checks cannot see: every series of {{ $labels.estate }} from it is stale.",
			"runbook":     "Look at triage's log and /healthz; a probe ignoring its timeout or an overloaded host stalls rounds.",
		},
	})
	for _, p := range src.Probes {
		for _, c := range p.Checks {
			th, ok := p.Thresholds[c.Name]
			if !ok || (th.Warn == nil && th.Crit == nil) {
				continue
			}
			g.Rules = append(g.Rules, thresholdRules(src, p, c, th, sel("component", p.Component, "probe", p.Probe, "check", c.Name))...)
		}
	}
	return RuleFile{Groups: []RuleGroup{g}}
}

// thresholdRules writes the crit and warn bounds of one check as rules; a
// warn rule stops at the crit bound so that one value fires one alert.
func thresholdRules(src RuleSource, p RuleProbe, c probes.Check, th probes.Threshold, sel string) []Rule {
	below := belowChecks[c.Name]
	op, inv := ">", "<="
	if below {
		op, inv = "<", ">="
	}
	crit := incident.Orange
	if c.UserFacing && src.Topology.Core(p.Component) {
		crit = incident.Red
	}
	warn := incident.Yellow
	if c.Latent {
		warn = incident.Blue
	}
	var out []Rule
	add := func(level string, bound float64, expr string, grade incident.Grade) {
		r := Rule{
			Alert: "Triage" + camel(p.Kind) + camel(c.Name) + level,
			Expr:  expr,
			// component and probe repeat the series' labels so that two
			// probes of one kind make distinct rules (promtool flags
			// duplicates).
			Labels: map[string]string{"severity": grade.String(), "component": p.Component, "probe": p.Probe},
			Annotations: map[string]string{
				"summary": fmt.Sprintf("{{ $labels.component }} %s/%s is {{ $value }}{{ $labels.unit }} (%s)",
					p.Probe, c.Name, safety.ThresholdText(strings.ToLower(level), below, bound, "")),
				"description": fmt.Sprintf("triage threshold %s.%s: %s on %s (layer %s).", p.Kind, c.Name,
					safety.ThresholdText(strings.ToLower(level), below, bound, ""), p.Component, c.Layer),
				"runbook": runbook(src.Topology, p, c),
			},
		}
		if th.For > 0 {
			r.For = model.Duration(th.For.D()).String()
		}
		for _, o := range src.Overrides {
			if o.Match == nil || !o.Match(p.Kind, p.Component, p.Probe, c.Name) {
				continue
			}
			// A severity override names the crit rule's severity; the warn
			// rule keeps the grade so that the two stay apart.
			if o.Severity != "" && level == "Critical" {
				r.Labels["severity"] = o.Severity
			}
			for k, v := range map[string]string{"summary": o.Summary, "description": o.Description, "runbook": o.Runbook} {
				if v != "" && (level == "Critical" || k == "runbook") {
					r.Annotations[k] = v
				}
			}
			if o.For > 0 {
				r.For = model.Duration(o.For).String()
			}
		}
		out = append(out, r)
	}
	value := "triage_check_value" + sel
	if th.Crit != nil {
		add("Critical", *th.Crit, fmt.Sprintf("%s %s %s", value, op, num(*th.Crit)), crit)
	}
	if th.Warn != nil {
		expr := fmt.Sprintf("%s %s %s", value, op, num(*th.Warn))
		if th.Crit != nil {
			expr += fmt.Sprintf(" %s %s", inv, num(*th.Crit))
		}
		add("Warning", *th.Warn, expr, warn)
	}
	return out
}

// runbook is the built-in and configured advice for a crit result of the
// check, as the diagnosis would give it without evidence.
func runbook(topo *incident.Topology, p RuleProbe, c probes.Check) string {
	r := probes.Result{ID: p.Component + "/" + p.Probe + "/" + c.Name, Component: p.Component, Probe: p.Probe,
		Check: c.Name, Kind: p.Kind, Layer: c.Layer, Status: probes.Crit}
	var lines []string
	for _, a := range incident.Advise(r, nil, topo) {
		// Without evidence the advice has empty slots for what a live
		// result would name; drop them rather than print "()".
		lines = append(lines, "- "+strings.ReplaceAll(incident.AdviceLine(a), " ()", ""))
	}
	if len(lines) == 0 {
		return "triage's drill-down on " + p.Component + " shows the evidence."
	}
	return strings.Join(lines, "\n")
}

// WriteRules writes the rule file as YAML, with a header saying where it came from.
func WriteRules(w io.Writer, f RuleFile, source string) error {
	fmt.Fprintf(w, "# Prometheus alerting rules from `triage rules export` (%s).\n# They read the series of `triage serve`; check them with `promtool check rules`.\n", oneLine(source))
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return err
	}
	return enc.Close()
}

// camel makes an alert-name part: "error_rate" → "ErrorRate"; characters
// that may not appear in a metric name are dropped.
func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if up {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
