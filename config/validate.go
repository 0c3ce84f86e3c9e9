package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/remedy/catalog"
)

// checkConfig checks what spans keys: component names and the references to
// them, actions, probe ids and the global thresholds. The decoder has already
// reported wrong types, so a node of the wrong kind is skipped here.
func (d *decoder) checkConfig(root *yaml.Node, cfg *Config) {
	d.positive(root, "interval")
	d.positive(root, "timeout")
	if cfg.MaxPerAddress < 0 {
		_, mv := child(root, "max_per_address")
		d.errorf(mv, "max_per_address: must be 1 or more (0 or absent: the default, %d)", probes.DefaultMaxPerAddress)
	}
	ck, cv := child(root, "components")
	switch {
	case cv == nil || isNull(cv):
		d.errorf(or(ck, root), "no components; a config watches at least one (see `triage config example`)")
	case cv.Kind == yaml.SequenceNode && len(cv.Content) == 0:
		d.errorf(cv, "components: empty; a config watches at least one")
	}
	nodes := items(cv)
	names := d.componentNames(cfg, nodes)
	_, corev := child(root, "core")
	coreNodes := items(corev)
	for i, name := range cfg.Core {
		if i < len(coreNodes) {
			d.ref(coreNodes[i], "core", name, names)
		}
	}
	for i := range cfg.Components {
		if i < len(nodes) && nodes[i].Kind == yaml.MappingNode {
			d.checkComponent(nodes[i], &cfg.Components[i], names)
		}
	}
	d.checkGlobalThresholds(root)
	d.checkCycles(cfg, nodes)
	d.lintConfig(cfg, nodes)
	cfg.probePos = probePositions(nodes)
	d.checkAlerting(root, cfg)
	if _, iv := child(root, "incident"); iv != nil && iv.Kind == yaml.MappingNode {
		d.positive(iv, "close_after")
	}
}

// componentNames reports nameless, badly named and duplicate components and
// returns each good name's node.
func (d *decoder) componentNames(cfg *Config, nodes []*yaml.Node) map[string]*yaml.Node {
	names := map[string]*yaml.Node{}
	for i, c := range cfg.Components {
		if i >= len(nodes) || nodes[i].Kind != yaml.MappingNode {
			continue
		}
		_, nv := child(nodes[i], "name")
		switch {
		case nv != nil && nv.Kind != yaml.ScalarNode:
			// wrong type, reported by the decoder
		case c.Name == "":
			d.errorf(or(nv, nodes[i]), "component has no name")
		case strings.Contains(c.Name, "/"):
			d.errorf(nv, "component name %q must not contain '/' (check ids are component/probe/check)", c.Name)
		case names[c.Name] != nil:
			d.errorf(nv, "duplicate component name %q (first at line %d)", c.Name, names[c.Name].Line)
		default:
			names[c.Name] = nv
		}
	}
	return names
}

// ref reports name unless it is a component's.
func (d *decoder) ref(n *yaml.Node, what, name string, names map[string]*yaml.Node) {
	if _, ok := names[name]; !ok {
		d.errorf(n, "%s: unknown component %q%s", what, name, didYouMean(name, keysOf(names)))
	}
}

func (d *decoder) checkComponent(n *yaml.Node, c *Component, names map[string]*yaml.Node) {
	_, kv := child(n, "knowledge")
	_, depv := child(kv, "depends_on")
	depNodes := items(depv)
	for i, dep := range c.Knowledge.DependsOn {
		if i >= len(depNodes) {
			break
		}
		if dep == c.Name && c.Name != "" {
			d.errorf(depNodes[i], "depends_on: component %q cannot depend on itself", dep)
			continue
		}
		d.ref(depNodes[i], "depends_on", dep, names)
	}
	_, av := child(n, "actions")
	d.checkActions(av, c, names)
	d.checkAdvice(kv, c)

	pk, pv := child(n, "probes")
	if pv == nil || empty(pv) {
		d.warnf(or(pk, n), "component %q has no probes", c.Name)
	}
	ids := map[string]*yaml.Node{}
	probeNodes := items(pv)
	for i, s := range c.Probes {
		if s.ID == "" || i >= len(probeNodes) {
			continue
		}
		_, idv := child(probeNodes[i], "id")
		if first, dup := ids[s.ID]; dup {
			d.errorf(idv, "duplicate probe id %q in component %q (first at line %d)", s.ID, c.Name, first.Line)
			continue
		}
		ids[s.ID] = idv
	}
}

func (d *decoder) checkActions(n *yaml.Node, c *Component, names map[string]*yaml.Node) {
	if r := c.Actions.Restart; r != nil {
		rk, rv := child(n, "restart")
		_, argv := child(rv, "argv")
		switch {
		case len(r.Argv) == 0:
			if argv == nil || argv.Kind != yaml.ScalarNode || isNull(argv) {
				d.errorf(or(argv, rk), "restart: argv is empty; give the command to run, e.g. [systemctl, restart, app.service]")
			}
		case r.Argv[0] == "":
			d.errorf(argv, "restart: argv[0] is empty")
		}
		d.positive(rv, "timeout")
	}
	if s := c.Actions.Switchover; s != nil {
		sk, sv := child(n, "switchover")
		_, stv := child(sv, "standby")
		switch {
		case s.Standby == "":
			d.errorf(or(stv, sk), "switchover: standby is required (the component that becomes primary)")
		case s.Standby == c.Name:
			d.errorf(stv, "switchover: standby %q is the component itself", s.Standby)
		default:
			d.ref(stv, "switchover.standby", s.Standby, names)
		}
	}
	if k := c.Actions.KillSession; k != nil && k.MaxRowsModified < 0 {
		_, kv := child(n, "kill_session")
		_, mv := child(kv, "max_rows_modified")
		d.errorf(mv, "kill_session: max_rows_modified must not be negative")
	}
}

// checkGlobalThresholds checks each `kind.check` key names a registered kind
// and one of its checks.
func (d *decoder) checkGlobalThresholds(root *yaml.Node) {
	_, tv := child(root, "thresholds")
	if tv == nil || tv.Kind != yaml.MappingNode {
		return
	}
	d.checkThresholdMap(tv, func(key string) bool {
		kindName, check, _ := strings.Cut(key, ".")
		kind, _ := d.kinds.Lookup(kindName)
		return lowerIsWorse(kind, check)
	})
	for i := 0; i+1 < len(tv.Content); i += 2 {
		k := tv.Content[i]
		kindName, check, ok := strings.Cut(k.Value, ".")
		if !ok {
			d.errorf(k, "thresholds: key %q must be kind.check, e.g. host.cpu", k.Value)
			continue
		}
		kind, found := d.kinds.Lookup(kindName)
		if !found {
			d.errorf(k, "thresholds: %q: unknown probe kind %q%s (known kinds: %s)", k.Value, kindName, didYouMean(kindName, d.kinds.Names()), d.knownKinds())
			continue
		}
		if checks := checkNames(kind, nil); len(checks) > 0 && !slices.Contains(checks, check) {
			d.errorf(k, "thresholds: %q: kind %q has no check %q%s (checks: %s)", k.Value, kindName, check, didYouMean(check, checks), strings.Join(checks, ", "))
		}
	}
}

// fill sets the defaults of a valid config: estate, interval, timeout, and on
// each probe its component, default timeout, id and merged thresholds.
func fill(cfg *Config) {
	if cfg.Estate == "" {
		cfg.Estate = "local"
	}
	if cfg.Interval == 0 {
		cfg.Interval = probes.Duration(5 * time.Second)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = probes.Duration(3 * time.Second)
	}
	for i := range cfg.Components {
		c := &cfg.Components[i]
		taken := map[string]bool{}
		for _, s := range c.Probes {
			if s.ID != "" {
				taken[s.ID] = true
			}
		}
		for j := range c.Probes {
			s := &c.Probes[j]
			s.Component = c.Name
			s.DefaultTimeout = cfg.TimeoutD()
			if s.ID == "" {
				s.ID = freeID(s.Kind, taken)
				taken[s.ID] = true
			}
			s.Thresholds = mergeThresholds(cfg.Thresholds, s.Kind, s.Thresholds)
		}
	}
}

// freeID is kind, else the first of kind-2, kind-3, … not taken.
func freeID(kind string, taken map[string]bool) string {
	if !taken[kind] {
		return kind
	}
	for n := 2; ; n++ {
		if id := fmt.Sprintf("%s-%d", kind, n); !taken[id] {
			return id
		}
	}
}

// mergeThresholds lays the probe's own thresholds over the global `kind.check`
// ones for its kind, bound by bound: a probe that sets only crit keeps the
// global warn.
func mergeThresholds(global map[string]probes.Threshold, kind string, own map[string]probes.Threshold) map[string]probes.Threshold {
	out := map[string]probes.Threshold{}
	for key, t := range global {
		if k, check, _ := strings.Cut(key, "."); k == kind {
			out[check] = t
		}
	}
	for check, t := range own {
		out[check] = out[check].Merge(t)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// checkAdvice reports advice without text or with an unknown action.
func (d *decoder) checkAdvice(kv *yaml.Node, c *Component) {
	_, advv := child(kv, "advice")
	for i, a := range c.Knowledge.Advice {
		if i >= len(items(advv)) {
			break
		}
		n := items(advv)[i]
		if strings.TrimSpace(a.Text) == "" {
			d.errorf(n, "advice: text is required")
		}
		if _, known := catalog.ByName(a.Action); a.Action != "" && !known {
			_, actv := child(n, "action")
			d.errorf(or(actv, n), "advice: unknown action %q (want one of %s)", a.Action, strings.Join(catalog.Names(), ", "))
		}
	}
}
