package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
	"gopkg.in/yaml.v3"
)

var specFields = fieldsOf(reflect.TypeFor[probes.Spec]())

func newDecoder(ks Kinds) *decoder {
	return &decoder{kinds: orNone(ks), hooks: map[reflect.Type]func(*decoder, *yaml.Node, reflect.Value){
		reflect.TypeFor[probes.Spec](): decodeSpec,
	}}
}

// decodeSpec reads one probe, vetting its keys against its kind's.
func decodeSpec(d *decoder, n *yaml.Node, v reflect.Value) {
	if !d.expect(n, yaml.MappingNode, "probe") {
		return
	}
	kind, known := d.probeKind(n)
	allowed := d.allowedKeys(kind)
	d.decodeStruct(n, v, "probe", func(k *yaml.Node) bool {
		if _, isField := specFields[k.Value]; !isField {
			cands := keysOf(specFields)
			if known {
				cands = keysOf(allowed)
			}
			d.unknownKey(k, cands)
			return false
		}
		if known && !allowed[k.Value] {
			d.errorf(k, "key %q is not allowed for kind %q (allowed: %s)", k.Value, kind.Name, strings.Join(keysOf(allowed), ", "))
			return false
		}
		return true
	})
	spec := v.Addr().Interface().(*probes.Spec)
	if known {
		d.checkRequired(n, kind)
		d.checkProbeThresholds(n, kind, spec)
		d.checkSwitches(n, kind, spec)
	}
	if k, _ := child(n, "dsn"); k != nil && (!known || allowed["dsn"]) {
		d.warnf(k, "literal dsn in config; prefer dsn_env or dsn_file")
	}
	if _, idv := child(n, "id"); idv != nil && idv.Kind == yaml.ScalarNode {
		switch {
		case spec.ID == "":
			d.errorf(idv, "id: must not be empty")
		case strings.Contains(spec.ID, "/"):
			d.errorf(idv, "id: %q must not contain '/' (check ids are component/probe/check)", spec.ID)
		}
	}
	d.positive(n, "timeout")
	d.checkRules(n, spec)
}

// probeKind finds the probe's registered kind, reporting a missing or unknown one.
func (d *decoder) probeKind(n *yaml.Node) (probes.Kind, bool) {
	_, kv := child(n, "kind")
	switch {
	case kv == nil || isNull(kv):
		d.errorf(n, "probe has no kind (known kinds: %s)", d.knownKinds())
		return probes.Kind{}, false
	case kv.Kind != yaml.ScalarNode:
		return probes.Kind{}, false // the decoder reports the wrong type
	}
	kind, ok := d.kinds.Lookup(kv.Value)
	if !ok {
		d.errorf(kv, "unknown probe kind %q%s (known kinds: %s)", kv.Value, didYouMean(kv.Value, d.kinds.Names()), d.knownKinds())
	}
	return kind, ok
}

func (d *decoder) knownKinds() string {
	names := d.kinds.Names()
	if len(names) == 0 {
		return "none registered"
	}
	return strings.Join(names, ", ")
}

// allowedKeys is allowedKeys of k, built once per kind and config.
func (d *decoder) allowedKeys(k probes.Kind) map[string]bool {
	if m, ok := d.allowed[k.Name]; ok {
		return m
	}
	if d.allowed == nil {
		d.allowed = map[string]map[string]bool{}
	}
	m := allowedKeys(k)
	d.allowed[k.Name] = m
	return m
}

// allowedKeys is every key a kind reads: the common ones, its own, its required.
func allowedKeys(k probes.Kind) map[string]bool {
	out := map[string]bool{}
	for _, ks := range [][]string{probes.CommonKeys, k.Allowed, slices.Concat(k.Required...)} {
		for _, key := range ks {
			out[key] = true
		}
	}
	return out
}

// checkRequired reports each required group none of whose keys has a value.
func (d *decoder) checkRequired(n *yaml.Node, kind probes.Kind) {
	for _, group := range kind.Required {
		if slices.ContainsFunc(group, func(key string) bool {
			_, v := child(n, key)
			return v != nil && !empty(v)
		}) {
			continue
		}
		quoted := make([]string, len(group))
		for i, k := range group {
			quoted[i] = fmt.Sprintf("%q", k)
		}
		if len(group) == 1 {
			d.errorf(n, "kind %q needs %s", kind.Name, quoted[0])
		} else {
			d.errorf(n, "kind %q needs one of %s", kind.Name, strings.Join(quoted, ", "))
		}
	}
}

func empty(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.ScalarNode:
		return isNull(n) || n.Value == ""
	case yaml.SequenceNode, yaml.MappingNode:
		return len(n.Content) == 0
	}
	return false
}

// checkNames lists a kind's check names plus the spec's rule names.
func checkNames(kind probes.Kind, spec *probes.Spec) []string {
	var out []string
	for _, c := range kind.Checks {
		out = append(out, c.Name)
	}
	if spec != nil {
		for _, r := range spec.Rules {
			out = append(out, r.Name)
		}
	}
	return out
}

// checkSwitches reports `checks:` keys that name no check of the kind and
// values other than on/off.
func (d *decoder) checkSwitches(n *yaml.Node, kind probes.Kind, spec *probes.Spec) {
	_, cv := child(n, "checks")
	if cv == nil || cv.Kind != yaml.MappingNode {
		return
	}
	checks := checkNames(kind, spec)
	for i := 0; i+1 < len(cv.Content); i += 2 {
		k, v := cv.Content[i], cv.Content[i+1]
		if len(checks) > 0 && !slices.Contains(checks, k.Value) {
			d.errorf(k, "checks: kind %q has no check %q%s (checks: %s)", kind.Name, k.Value, didYouMean(k.Value, checks), strings.Join(checks, ", "))
		}
		if _, ok := probes.ParseSwitch(v.Value); !ok || v.Kind != yaml.ScalarNode {
			d.errorf(v, "checks: %s: want on or off, got %s", k.Value, describe(v))
		}
	}
}

// checkProbeThresholds reports probe-level threshold keys that name no check.
func (d *decoder) checkProbeThresholds(n *yaml.Node, kind probes.Kind, spec *probes.Spec) {
	_, tv := child(n, "thresholds")
	d.checkThresholdMap(tv, func(key string) bool { return lowerIsWorse(kind, key) })
	if tv == nil || tv.Kind != yaml.MappingNode || len(kind.Checks) == 0 {
		return
	}
	checks := checkNames(kind, spec)
	for i := 0; i+1 < len(tv.Content); i += 2 {
		k := tv.Content[i]
		if !slices.Contains(checks, k.Value) {
			d.errorf(k, "thresholds: kind %q has no check %q%s (checks: %s)", kind.Name, k.Value, didYouMean(k.Value, checks), strings.Join(checks, ", "))
		}
	}
}

// checkRules reports a rule whose layer is not one of the five.
func (d *decoder) checkRules(n *yaml.Node, spec *probes.Spec) {
	_, rv := child(n, "rules")
	nodes := items(rv)
	for i, r := range spec.Rules {
		if i < len(nodes) {
			d.checkBounds(nodes[i], ruleWhat(r.Name), r.Below)
		}
		if r.Layer == "" || i >= len(nodes) {
			continue
		}
		if _, err := probes.ParseLayer(r.Layer); err != nil {
			_, lv := child(nodes[i], "layer")
			d.errorf(or(lv, nodes[i]), "rules: %v", err)
		}
	}
}

// positive reports a duration key of mapping n that is set to zero.
func (d *decoder) positive(n *yaml.Node, key string) {
	_, v := child(n, key)
	if v == nil || v.Kind != yaml.ScalarNode || isNull(v) {
		return
	}
	if dur, err := time.ParseDuration(v.Value); err == nil && dur == 0 {
		d.errorf(v, "%s: must be more than 0", key)
	}
}
