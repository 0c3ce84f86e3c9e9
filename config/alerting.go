package config

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fivelayer/triage/probes"
)

// DefaultResend is how often firing alerts are sent again to Alertmanager
// when `alerting.resend` is not set: Alertmanager resolves an alert on its
// own once its endsAt passes, so a firing alert must be refreshed.
const DefaultResend = time.Minute

// Alerting hands the diagnosis to Alertmanager and shapes the rules that
// `triage rules export` writes.
type Alerting struct {
	// Alertmanagers are base URLs (http://host:9093); alerts go to each.
	Alertmanagers []string `yaml:"alertmanagers"`
	// Resend is how often firing alerts are sent again (default 1m).
	Resend probes.Duration `yaml:"resend"`
	// Timeout bounds one POST to one Alertmanager (default 10s).
	Timeout probes.Duration `yaml:"timeout"`
	// Rules tune the exported alerting rules of matching checks.
	Rules []AlertRule `yaml:"rules"`
}

// AlertRule overrides what `triage rules export` writes for the checks it
// matches: the runbook's "pool use > 90 for 5m, severity critical, available
// connections < 10" is `thresholds: {metrics.pool: {crit: 90, for: 5m}}`
// plus `{check: metrics.pool, severity: critical, summary: "available
// connections < 10"}` here.
type AlertRule struct {
	// Check is "kind.check" (every probe of that kind) or "component/probe/check".
	Check string `yaml:"check"`
	// Severity replaces the grade (red, orange, yellow, blue) as the
	// severity label, e.g. critical.
	Severity    string          `yaml:"severity"`
	Summary     string          `yaml:"summary"`
	Description string          `yaml:"description"`
	Runbook     string          `yaml:"runbook"`
	For         probes.Duration `yaml:"for"`
}

// ResendD is the resend interval (default 1m).
func (a Alerting) ResendD() time.Duration {
	if a.Resend > 0 {
		return a.Resend.D()
	}
	return DefaultResend
}

// TimeoutD is the per-request timeout (default 10s).
func (a Alerting) TimeoutD() time.Duration {
	if a.Timeout > 0 {
		return a.Timeout.D()
	}
	return 10 * time.Second
}

// Matches reports whether the rule applies to a check of a probe of kind.
func (r AlertRule) Matches(kind, component, probe, check string) bool {
	if k, c, ok := strings.Cut(r.Check, "."); ok && !strings.Contains(r.Check, "/") {
		return k == kind && c == check
	}
	return r.Check == component+"/"+probe+"/"+check
}

var severityRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// checkAlerting reports bad Alertmanager URLs, a zero resend or timeout,
// and rules that name no check, each at its line and column.
func (d *decoder) checkAlerting(root *yaml.Node, cfg *Config) {
	_, av := child(root, "alerting")
	if av == nil || av.Kind != yaml.MappingNode {
		return
	}
	d.positive(av, "resend")
	d.positive(av, "timeout")
	_, uv := child(av, "alertmanagers")
	for i, raw := range cfg.Alerting.Alertmanagers {
		if i >= len(items(uv)) {
			break
		}
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			d.errorf(items(uv)[i], "alertmanagers: %q is not a URL: %v", raw, err)
		case u.Scheme != "http" && u.Scheme != "https":
			d.errorf(items(uv)[i], "alertmanagers: %q: want an http:// or https:// base URL such as http://127.0.0.1:9093", raw)
		case u.Host == "":
			d.errorf(items(uv)[i], "alertmanagers: %q has no host", raw)
		case u.User != nil:
			d.errorf(items(uv)[i], "alertmanagers: credentials in the URL would be shown and logged; use a URL without user:password")
		}
	}
	_, rv := child(av, "rules")
	for i, r := range cfg.Alerting.Rules {
		if i >= len(items(rv)) {
			break
		}
		n := items(rv)[i]
		_, cv := child(n, "check")
		d.checkRuleTarget(or(cv, n), r.Check, cfg)
		if r.Severity != "" && !severityRE.MatchString(r.Severity) {
			_, sv := child(n, "severity")
			d.errorf(or(sv, n), "rules: severity %q: use letters, digits, _ . : -", r.Severity)
		}
		d.positive(n, "for")
	}
}

// checkRuleTarget reports a rule's check that names no kind's check or no
// configured probe's.
func (d *decoder) checkRuleTarget(n *yaml.Node, target string, cfg *Config) {
	if target == "" {
		d.errorf(n, "rules: check is required: kind.check (metrics.pool) or component/probe/check")
		return
	}
	if parts := strings.Split(target, "/"); len(parts) == 3 {
		c, ok := cfg.Component(parts[0])
		if !ok {
			d.errorf(n, "rules: %q: unknown component %q", target, parts[0])
			return
		}
		for _, s := range c.Probes {
			if s.ProbeID() == parts[1] || (s.ID == "" && s.Kind == parts[1]) {
				return
			}
		}
		d.errorf(n, "rules: %q: component %q has no probe %q", target, parts[0], parts[1])
		return
	}
	kindName, check, ok := strings.Cut(target, ".")
	if !ok || strings.Contains(target, "/") {
		d.errorf(n, "rules: check %q: want kind.check (metrics.pool) or component/probe/check", target)
		return
	}
	kind, found := d.kinds.Lookup(kindName)
	if !found {
		d.errorf(n, "rules: %q: unknown probe kind %q%s (known kinds: %s)", target, kindName, didYouMean(kindName, d.kinds.Names()), d.knownKinds())
		return
	}
	if checks := checkNames(kind, nil); len(checks) > 0 && !contains(checks, check) {
		d.errorf(n, "rules: %q: kind %q has no check %q%s (checks: %s)", target, kindName, check, didYouMean(check, checks), strings.Join(checks, ", "))
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
