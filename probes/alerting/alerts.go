package alerting

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes/export"
	"github.com/fivelayer/triage/probes/incident"
)

// Alert names triage sends.
const (
	// RootCauseAlert is one root cause of the diagnosis.
	RootCauseAlert = "TriageRootCause"
	// GradeAlert is the estate's grade when it is not green.
	GradeAlert = "TriageGrade"
)

// Alert is one alert as Alertmanager's API v2 takes it (postableAlert).
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Key is the alert's identity for Alertmanager: its sorted label set.
func (a Alert) Key() string {
	names := make([]string, 0, len(a.Labels))
	for n := range a.Labels {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(a.Labels[n])
		b.WriteByte('\xff')
	}
	return b.String()
}

// Firing returns the alerts a report raises, without times: one per root
// cause (labels alertname, estate, severity, component, probe, check,
// layer) and one for the grade unless it is green (alertname, estate,
// severity). severity is the grade: red, orange, yellow or blue.
// Annotations: summary, description and runbook (the diagnosis advice).
func Firing(rep export.Report) []Alert {
	var out []Alert
	for i, rc := range rep.Diagnosis.RootCauses {
		probe, check := splitID(rc.CheckID, rc.Component)
		desc := rc.ChainText
		if desc == "" {
			desc = rc.CheckID + " " + rc.Status.String() + ": " + rc.Summary
		}
		if len(rc.Explains) > 0 {
			desc += "\nexplains: " + strings.Join(rc.Explains, ", ")
		}
		out = append(out, Alert{
			Labels: map[string]string{
				"alertname": RootCauseAlert, "estate": rep.Estate, "severity": rc.Grade.String(),
				"component": rc.Component, "probe": probe, "check": check, "layer": rc.Layer.String(),
			},
			Annotations: map[string]string{
				"summary":     rc.CheckID + " " + rc.Status.String() + ": " + rc.Summary,
				"description": desc,
				"runbook":     runbook(rc.Advice),
				"rank":        strconv.Itoa(i + 1),
			},
		})
	}
	if rep.Severity != incident.Green {
		a := Alert{
			Labels: map[string]string{"alertname": GradeAlert, "estate": rep.Estate, "severity": rep.Severity.String()},
			Annotations: map[string]string{
				"summary":     rep.Estate + " is " + rep.Severity.String() + " (" + rep.Severity.Meaning() + "; restore " + rep.Severity.RestoreTarget() + ")",
				"description": rep.Reason,
			},
		}
		if top := rep.Diagnosis.Top(); top != nil {
			a.Annotations["runbook"] = runbook(top.Advice)
			a.Annotations["root_cause"] = top.CheckID
		}
		out = append(out, a)
	}
	for _, a := range out {
		// An empty label is the same as none to Alertmanager; leaving it
		// out keeps the alert's identity stable.
		for k, v := range a.Labels {
			if v == "" {
				delete(a.Labels, k)
			}
		}
	}
	return out
}

// runbook is the advice, one line each, as the screen and `check` print it.
func runbook(advice []incident.Advice) string {
	lines := make([]string, 0, len(advice))
	for _, a := range advice {
		lines = append(lines, "- "+incident.AdviceLine(a))
	}
	return strings.Join(lines, "\n")
}

// splitID returns probe and check of "component/probe/check".
func splitID(id, component string) (probe, check string) {
	rest := strings.TrimPrefix(id, component+"/")
	if p, c, ok := strings.Cut(rest, "/"); ok {
		return p, c
	}
	return "", rest
}
