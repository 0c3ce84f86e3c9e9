package config

import (
	"fmt"
	"os"
	"os/exec"

	"gopkg.in/yaml.v3"
)

// lintConfig collects findings that depend on the machine rather than the
// file: a secret's variable unset, a file missing, a restart command not
// found, a switchover that cannot work as configured. They go to
// Config.Lint, listed by `config validate` (exit 0): the same file may be
// right on the host it is meant for.
func (d *decoder) lintConfig(cfg *Config, nodes []*yaml.Node) {
	for i := range cfg.Components {
		if i >= len(nodes) || nodes[i].Kind != yaml.MappingNode {
			continue
		}
		c := &cfg.Components[i]
		_, pv := child(nodes[i], "probes")
		for j, s := range c.Probes {
			if j >= len(items(pv)) {
				break
			}
			pn := items(pv)[j]
			d.lintEnv(pn, "dsn_env", s.DSNEnv)
			d.lintEnv(pn, "password_env", s.PasswordEnv)
			d.lintFile(pn, "dsn_file", s.DSNFile)
			d.lintFile(pn, "password_file", s.PasswordFile)
			d.lintFile(pn, "ca_file", s.CAFile)
			if s.Kind == "cert_file" {
				d.lintFile(pn, "path", s.Path)
			}
		}
		_, av := child(nodes[i], "actions")
		if r := c.Actions.Restart; r != nil && len(r.Argv) > 0 && r.Argv[0] != "" && r.SSH == "" {
			if _, err := exec.LookPath(r.Argv[0]); err != nil {
				_, rv := child(av, "restart")
				_, argv := child(rv, "argv")
				d.lintf(or(argv, rv), "restart: %s is not an executable here (%v); the restart will be refused", r.Argv[0], unwrapExec(err))
			}
		}
		if so := c.Actions.Switchover; so != nil {
			_, sv := child(av, "switchover")
			d.lintSwitchover(cfg, c, so, sv)
		}
	}
}

func (d *decoder) lintSwitchover(cfg *Config, c *Component, so *Switchover, sv *yaml.Node) {
	_, stv := child(sv, "standby")
	if !hasKind(c, "mysql") {
		d.lintf(sv, "switchover: %q has no mysql probe; the switchover reads the primary through it", c.Name)
	}
	if st, ok := cfg.Component(so.Standby); ok && !hasKind(st, "mysql") {
		d.lintf(or(stv, sv), "switchover: standby %q has no mysql probe; the switchover reads and promotes it through one", so.Standby)
	}
	_, pe := child(sv, "replication_password_env")
	switch {
	case so.ReplicationPasswordEnv == "":
		d.lintf(sv, "switchover: no replication_password_env; the demoted primary will replicate with an empty password")
	case os.Getenv(so.ReplicationPasswordEnv) == "":
		d.lintf(pe, "switchover: replication_password_env: %s is not set; the demoted primary will replicate with an empty password", so.ReplicationPasswordEnv)
	}
}

func hasKind(c *Component, kind string) bool {
	for _, p := range c.Probes {
		if p.Kind == kind {
			return true
		}
	}
	return false
}

// lintEnv notes an environment variable a secret is read from that is
// not set.
func (d *decoder) lintEnv(n *yaml.Node, key, name string) {
	if name == "" {
		return
	}
	if v, ok := os.LookupEnv(name); !ok || v == "" {
		_, vn := child(n, key)
		d.lintf(or(vn, n), "%s: %s is not set in this environment; the probe will fail until it is", key, name)
	}
}

// lintFile notes a file the config names that is not there (or not a
// regular file).
func (d *decoder) lintFile(n *yaml.Node, key, path string) {
	if path == "" {
		return
	}
	_, vn := child(n, key)
	st, err := os.Stat(path)
	switch {
	case err != nil:
		d.lintf(or(vn, n), "%s: %v", key, err)
	case !st.Mode().IsRegular():
		d.lintf(or(vn, n), "%s: %s is not a regular file", key, path)
	}
}

func (d *decoder) lintf(n *yaml.Node, format string, args ...any) {
	d.lint = append(d.lint, at(n, fmt.Sprintf(format, args...)))
}

func unwrapExec(err error) error {
	if ee, ok := err.(*exec.Error); ok {
		return ee.Err
	}
	return err
}

// probePositions records where each probe is written, so errors found
// while building probes (Targets) name a line and column too.
func probePositions(nodes []*yaml.Node) map[[2]int]Issue {
	out := map[[2]int]Issue{}
	for i, n := range nodes {
		_, pv := child(n, "probes")
		for j, p := range items(pv) {
			out[[2]int{i, j}] = at(p, "")
		}
	}
	return out
}
