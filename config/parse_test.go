package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadValid(t *testing.T) {
	cfg, err := Load("testdata/valid.yaml", specKinds())
	require.NoError(t, err)

	assert.Equal(t, "invoice-prod", cfg.Estate)
	assert.Equal(t, "testdata/valid.yaml", cfg.Source)
	assert.False(t, cfg.Default)
	assert.Empty(t, cfg.Warnings)
	assert.Equal(t, 5*time.Second, cfg.IntervalD())
	assert.Equal(t, 3*time.Second, cfg.TimeoutD())
	assert.Equal(t, []string{"invoice-api", "db-primary"}, cfg.Core)
	require.Len(t, cfg.Components, 6)

	api, ok := cfg.Component("invoice-api")
	require.True(t, ok)
	require.Len(t, api.Probes, 3)
	assert.Equal(t, "10.0.0.1:8080", api.Probes[0].Address)
	assert.Equal(t, []int{200}, api.Probes[1].ExpectStatus)
	for _, s := range api.Probes {
		assert.Equal(t, "invoice-api", s.Component)
		assert.Equal(t, s.Kind, s.ID)
		assert.Equal(t, 3*time.Second, s.DefaultTimeout)
	}
	require.NotNil(t, api.Actions.Restart)
	assert.Equal(t, []string{"systemctl", "restart", "invoice-api.service"}, api.Actions.Restart.Argv)
	assert.Equal(t, "ops@10.0.0.1", api.Actions.Restart.SSH)
	assert.Equal(t, 10*time.Minute, api.Actions.Restart.Cooldown.D())
	assert.Nil(t, api.Actions.KillSession)
	assert.Equal(t, []string{"db-primary", "cache"}, api.Knowledge.DependsOn)
	assert.Equal(t, []Incident{{Date: "2023-08-20", Event: "primary database down", Fix: "switched to standby, fixed binlog config"}}, api.Knowledge.Incidents)

	db, _ := cfg.Component("db-primary")
	assert.NotNil(t, db.Actions.KillSession, "kill_session: {} enables the action")
	require.NotNil(t, db.Actions.Switchover)
	assert.Equal(t, "db-standby", db.Actions.Switchover.Standby)
	assert.Equal(t, map[string]probes.Threshold{"connections": {Warn: probes.V(80), Crit: probes.V(90), For: probes.Duration(time.Minute)}}, db.Probes[0].Thresholds)

	jump, _ := cfg.Component("jump-host")
	assert.Equal(t, map[string]probes.Threshold{"cpu": probes.Above(80, 95)}, jump.Probes[0].Thresholds)
	cache, _ := cfg.Component("cache")
	assert.Nil(t, cache.Probes[0].Thresholds, "no global thresholds for redis")
}

func TestParseDefaultsIDsAndThresholds(t *testing.T) {
	cfg, err := Load("testdata/minimal.yaml", specKinds())
	require.NoError(t, err)
	assert.Equal(t, "local", cfg.Estate)
	assert.Equal(t, probes.Duration(5*time.Second), cfg.Interval)
	assert.Equal(t, probes.Duration(3*time.Second), cfg.Timeout)

	ps := cfg.Components[0].Probes
	require.Len(t, ps, 4)
	var ids []string
	for _, s := range ps {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{"tcp", "tcp-3", "tcp-2", "tcp-4"}, ids, "a generated id skips an explicit one")

	global := probes.Threshold{Warn: probes.V(100), Crit: probes.V(1000), For: probes.Duration(30 * time.Second)}
	assert.Equal(t, global, ps[0].Thresholds["connect"])
	own := probes.Threshold{Warn: probes.V(100), Crit: probes.V(500), For: probes.Duration(30 * time.Second)}
	assert.Equal(t, own, ps[3].Thresholds["connect"], "the probe's crit wins, the global warn and for stay")
	assert.Equal(t, time.Second, ps[3].EffectiveTimeout())
	assert.Equal(t, 3*time.Second, ps[0].EffectiveTimeout())

	// Each probe owns its map: changing one does not change another.
	ps[0].Thresholds["connect"] = probes.Above(1, 2)
	assert.Equal(t, global, ps[1].Thresholds["connect"])
}

func TestParseLiteralDSNWarns(t *testing.T) {
	cfg, err := Load("testdata/literal_dsn.yaml", specKinds())
	require.NoError(t, err)
	assert.Equal(t, []string{"6:9: literal dsn in config; prefer dsn_env or dsn_file"}, cfg.Warnings)
	for _, w := range cfg.Warnings {
		assert.NotContains(t, w, "s3cret")
	}
}

func TestParseErrors(t *testing.T) {
	kinds := "cert_file, dns, host, http, icmp, metrics, mysql, nginx, node_exporter, prometheus, redis, systemd, tcp, tls"
	tests := []struct {
		file string
		want []string
	}{
		{"syntax.yaml", []string{"5:7: syntax error: did not find expected ',' or '}'"}},
		{"syntax_tab.yaml", []string{"3:1: syntax error: found character that cannot start any token"}},
		{"two_docs.yaml", []string{"4:1: only one YAML document is allowed (remove the second ---)"}},
		{"empty.yaml", []string{"1:1: config is empty; see `triage config example`"}},
		{"no_components.yaml", []string{"2:13: components: empty; a config watches at least one"}},
		{"duplicate_key.yaml", []string{
			`2:1: duplicate key "estate" (first at line 1)`,
			`6:46: duplicate key "address" (first at line 6)`,
		}},
		{"unknown_key.yaml", []string{
			`2:1: unknown key "intervall" (did you mean "interval"?)`,
			`5:5: unknown key "prboes" (did you mean "probes"?)`,
			`8:7: unknown key "restrat" (did you mean "restart"?)`,
			`9:22: unknown key "max_rows" (did you mean "max_rows_modified"?)`,
			`11:7: unknown key "depends" (did you mean "depends_on"?)`,
			`14:9: kind "tcp" needs "address"`,
			`15:9: unknown key "adress" (did you mean "address"?)`,
			`17:21: unknown key "wrn" (did you mean "warn"?)`,
			`18:15: unknown probe kind "ftp" (known kinds: ` + kinds + `)`,
			`19:9: unknown key "adress" (did you mean "address"?)`,
			`21:26: unknown key "critical" (did you mean "crit"?)`,
		}},
		{"unknown_kind.yaml", []string{
			`4:15: unknown probe kind "tpc" (did you mean "tcp"?) (known kinds: ` + kinds + `)`,
			`6:15: unknown probe kind "ftp" (known kinds: ` + kinds + `)`,
			`7:9: probe has no kind (known kinds: ` + kinds + `)`,
		}},
		{"kind_key.yaml", []string{
			`6:9: key "url" is not allowed for kind "tcp" (allowed: address, checks, closed, count, id, interval, kind, open, thresholds, timeout, udp)`,
			`7:22: key "unit" is not allowed for kind "host" (allowed: checks, id, kind, thresholds, timeout)`,
		}},
		{"missing_required.yaml", []string{
			`4:9: kind "tcp" needs "address"`,
			`6:9: kind "mysql" needs one of "dsn_env", "dsn_file", "dsn"`,
			`7:9: kind "nginx" needs one of "path", "status_url"`,
		}},
		{"bad_duration.yaml", []string{
			`1:11: interval: bad duration "5" (want e.g. 500ms, 5s, 1m)`,
			`2:10: timeout: must be more than 0`,
			`6:55: timeout: bad duration "3 seconds" (want e.g. 500ms, 5s, 1m)`,
			`8:60: cooldown: bad duration "10x" (want e.g. 500ms, 5s, 1m)`,
			`10:31: for: bad duration "soon" (want e.g. 500ms, 5s, 1m)`,
		}},
		{"bad_threshold.yaml", []string{
			`7:11: thresholds: kind "tcp" has no check "conect" (did you mean "connect"?) (checks: connect)`,
			`8:27: warn: expected a number, got a string`,
			`8:39: crit: expected a single value, got a list`,
			`10:20: warn: expected a number, got a string`,
			`11:3: thresholds: "hots.cpu": unknown probe kind "hots" (did you mean "host"?) (known kinds: ` + kinds + `)`,
			`12:3: thresholds: "host.cpux": kind "host" has no check "cpux" (did you mean "cpu"?) (checks: cpu, memory, swap, load, disk, inodes, iops, fds, sockets, oom)`,
			`13:3: thresholds: key "cpu" must be kind.check, e.g. host.cpu`,
		}},
		{"refs.yaml", []string{
			`1:13: core: unknown component "dbb" (did you mean "db"?)`,
			`6:24: depends_on: unknown component "cache"`,
			`6:31: depends_on: component "web" cannot depend on itself`,
			`10:29: switchover.standby: unknown component "db-standbi"`,
			`11:11: duplicate component name "db" (first at line 7)`,
			`14:7: switchover: standby is required (the component that becomes primary)`,
			`15:11: component name "a/b" must not contain '/' (check ids are component/probe/check)`,
			`17:5: component has no name`,
		}},
		{"restart.yaml", []string{
			`5:23: restart: argv is empty; give the command to run, e.g. [systemctl, restart, app.service]`,
			`9:7: restart: argv is empty; give the command to run, e.g. [systemctl, restart, app.service]`,
			`14:23: restart: argv[0] is empty`,
		}},
		{"wrong_type.yaml", []string{
			`1:9: estate: expected a single value, got a list`,
			`2:7: core: expected a list, got a string (write [a, b])`,
			`8:15: open: expected a list, got a number (write [a, b])`,
			`9:16: count: expected a whole number, got a string`,
			`11:14: dsn: expected a single value, got a list`,
			`13:19: depends_on: expected a list, got a string (write [a, b])`,
			`14:18: incidents: expected a list, got a mapping`,
			`15:5: components: expected a mapping, got a string`,
		}},
		{"ids.yaml", []string{
			`5:25: duplicate probe id "front" in component "web" (first at line 4)`,
			`6:25: id: "a/b" must not contain '/' (check ids are component/probe/check)`,
			`7:25: id: must not be empty`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			cfg, err := Load(path, specKinds())
			require.Error(t, err)
			assert.Nil(t, cfg)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "error is %T", err)
			assert.Equal(t, path, ve.Source)
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = path + ":" + w
			}
			assert.Equal(t, want, strings.Split(err.Error(), "\n"))
			assert.Len(t, ve.Issues, len(tt.want))
		})
	}
}

func TestParseNeverPrintsSecrets(t *testing.T) {
	for _, doc := range []string{
		"components:\n  - name: db\n    probes:\n      - {kind: mysql, dsn: [root, hunter2]}\n",
		"components:\n  - name: db\n    probes:\n      - {kind: mysql, dsn: {user: root, pass: hunter2}}\n",
		"components:\n  - name: db\n    probes:\n      - {kind: tcp, address: x, dsn: hunter2}\n",
		"components:\n  - name: db\n    probes:\n      - {kind: mysql, dsn: \"root:hunter2@tcp(x)/\", dsnn: hunter2}\n",
	} {
		_, err := Parse([]byte(doc), "t.yaml", specKinds())
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "hunter2")
	}
}

func TestSyntaxIssue(t *testing.T) {
	tests := []struct {
		name, doc string
		want      Issue
	}{
		{"mapping value on line 1", "a: b: c\n", Issue{1, 1, "syntax error: mapping values are not allowed in this context"}},
		{"bad indent", "a:\n  - x\n b: 1\n", Issue{3, 2, "syntax error: did not find expected key"}},
		{"sequence after mapping", "a: 1\n- b\n", Issue{2, 1, "syntax error: did not find expected key"}},
		{"mapping after sequence", "- a\nb: 1\n", Issue{2, 1, "syntax error: did not find expected '-' indicator"}},
		{"open quote runs to the end", "a: 1\nb: 'x\n\n", Issue{2, 1, "syntax error: found unexpected end of stream"}},
		{"unknown anchor", "x: &a 1\ny:   *b\n", Issue{2, 6, "syntax error: unknown anchor 'b' referenced"}},
		{"tab", "a:\n  b:\n  \tc: 1\n", Issue{3, 3, "syntax error: found character that cannot start any token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), "s.yaml", specKinds())
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.Equal(t, []Issue{tt.want}, ve.Issues)
		})
	}
}

func TestParseNoKindsRegistered(t *testing.T) {
	_, err := Parse([]byte("components:\n  - name: a\n    probes: [{kind: host}]\n"), "x.yaml", nil)
	require.EqualError(t, err, `x.yaml:3:21: unknown probe kind "host" (known kinds: none registered)`)
}

func TestParseAliasesAndNulls(t *testing.T) {
	doc := `
base: &tcp {kind: tcp, address: "127.0.0.1:80"}
components:
  - name: web
    probes: [*tcp]
    actions:
      kill_session:
`
	_, err := Parse([]byte(doc), "a.yaml", specKinds())
	require.EqualError(t, err, `a.yaml:2:1: unknown key "base"`)

	doc = "components:\n  - name: web\n    probes: [{kind: host}]\n    actions:\n      kill_session:\n"
	cfg, err := Parse([]byte(doc), "a.yaml", specKinds())
	require.NoError(t, err)
	assert.NotNil(t, cfg.Components[0].Actions.KillSession, "an empty kill_session: enables it")
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), specKinds())
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestValidationErrorFormat(t *testing.T) {
	err := &ValidationError{Source: "f.yaml", Issues: []Issue{{1, 2, "one"}, {3, 4, "two"}}}
	assert.Equal(t, "f.yaml:1:2: one\nf.yaml:3:4: two", err.Error())
}

func TestDidYouMean(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"intervall", ` (did you mean "interval"?)`},
		{"adress", ` (did you mean "address"?)`},
		{"tpc", ` (did you mean "tcp"?)`},
		{"max_rows", ` (did you mean "max_rows_modified"?)`},
		{"zzz", ""},
		{"interval", ""},
	}
	cands := []string{"interval", "address", "tcp", "max_rows_modified", "id"}
	for _, tt := range tests {
		assert.Equal(t, tt.want, didYouMean(tt.in, cands), tt.in)
	}
}

func TestExampleParses(t *testing.T) {
	cfg, err := Parse([]byte(Example()), "example.yaml", specKinds())
	require.NoError(t, err)
	assert.Empty(t, cfg.Warnings)

	seen := map[string]bool{}
	for _, c := range cfg.Components {
		for _, s := range c.Probes {
			seen[s.Kind] = true
		}
		if a := c.Actions; a.Restart != nil && a.Switchover == nil && a.KillSession == nil {
			seen["action:restart"] = true
		}
		if c.Actions.KillSession != nil {
			seen["action:kill_session"] = true
		}
		if c.Actions.Switchover != nil {
			seen["action:switchover"] = true
		}
	}
	for name := range specKinds() {
		assert.True(t, seen[name], "example has no %s probe", name)
	}
	for _, a := range []string{"restart", "kill_session", "switchover"} {
		assert.True(t, seen["action:"+a], "example has no %s action", a)
	}
	for _, key := range []string{"estate:", "environment:", "interval:", "timeout:", "core:", "components:", "thresholds:", "knowledge:", "depends_on:", "incidents:"} {
		assert.Contains(t, Example(), key)
	}
	assert.True(t, cfg.IsProduction())

	// Every key each kind takes appears in the example.
	for name, k := range specKinds() {
		for _, key := range k.Allowed {
			if key == "dsn" {
				assert.Contains(t, Example(), "`dsn:`", "the literal dsn is only mentioned")
				continue
			}
			assert.Contains(t, Example(), key+":", "%s key %s", name, key)
		}
	}
}

func TestExampleFileIsEmbedded(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	require.NoError(t, err)
	assert.Equal(t, string(b), Example())
}
