package probes

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// Duration is a time.Duration that reads "5s", "1m30s" from YAML and writes it back.
type Duration time.Duration

// UnmarshalText parses a Go duration ("500ms", "5s", "1m").
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q (want e.g. 500ms, 5s, 1m)", b)
	}
	if v < 0 {
		return fmt.Errorf("bad duration %q: negative", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as Go prints it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Rule is a configured expression with thresholds (prometheus probe `rules`).
type Rule struct {
	Name  string   `yaml:"name"`
	Query string   `yaml:"query"`
	Layer string   `yaml:"layer"`
	Unit  string   `yaml:"unit"`
	Warn  *float64 `yaml:"warn"`
	Crit  *float64 `yaml:"crit"`
	Below bool     `yaml:"below"` // lower is worse
	For   Duration `yaml:"for"`
}

// Spec is one probe's configuration, as written under a component's `probes:`.
// Each kind documents which keys it takes (see Kind); config validation
// rejects the others with their line and column.
type Spec struct {
	Kind string `yaml:"kind"`
	// ID names the probe inside its component (default: the kind; a second
	// probe of the same kind gets "kind-2"). Check ids are component/id/check.
	ID string `yaml:"id"`

	Address      string   `yaml:"address"`   // host:port
	URL          string   `yaml:"url"`       // http, metrics, node_exporter, prometheus
	Name         string   `yaml:"name"`      // DNS name to resolve
	Resolvers    []string `yaml:"resolvers"` // host:port
	ServerName   string   `yaml:"server_name"`
	CAFile       string   `yaml:"ca_file"`
	Path         string   `yaml:"path"` // certificate file, nginx error log
	Unit         string   `yaml:"unit"` // systemd unit
	SSH          string   `yaml:"ssh"`  // user@host for remote systemd
	Query        string   `yaml:"query"`
	Selector     string   `yaml:"selector"`
	Count        int      `yaml:"count"`
	Interval     Duration `yaml:"interval"`
	Timeout      Duration `yaml:"timeout"`
	DSNEnv       string   `yaml:"dsn_env"`
	DSNFile      string   `yaml:"dsn_file"`
	DSN          string   `yaml:"dsn"`
	PasswordEnv  string   `yaml:"password_env"`
	PasswordFile string   `yaml:"password_file"`
	Username     string   `yaml:"username"`
	TLS          bool     `yaml:"tls"`
	ExpectStatus []int    `yaml:"expect_status"`
	// Open and Closed list ports that must answer / must refuse on Address's host.
	Open   []int `yaml:"open"`
	Closed []int `yaml:"closed"`
	// UDP lists ports on Address's host checked with a real DNS query over UDP (53).
	UDP []int `yaml:"udp"`
	// StatusURL is nginx's stub_status URL.
	StatusURL string `yaml:"status_url"`
	// Metrics renames the metric and label names a metrics probe reads.
	Metrics map[string]string `yaml:"metrics"`
	// Rules are configured expressions with thresholds (prometheus probe).
	Rules []Rule `yaml:"rules"`
	// Thresholds overrides per check name for this probe only.
	Thresholds map[string]Threshold `yaml:"thresholds"`
	// Checks switches checks of this probe on or off by name
	// (`checks: {circuit_breaker: off}`); a check that is off is not shown
	// and never grades.
	Checks map[string]string `yaml:"checks"`

	// Component is the owning component's name, filled in by config.
	Component string `yaml:"-"`
	// DefaultTimeout is the estate's `timeout`, filled in by config.
	DefaultTimeout time.Duration `yaml:"-"`
}

// ProbeID is the probe's name within its component.
func (s Spec) ProbeID() string {
	if s.ID != "" {
		return s.ID
	}
	return s.Kind
}

// EffectiveTimeout is the probe's own timeout, else the estate default, else 3s.
func (s Spec) EffectiveTimeout() time.Duration {
	switch {
	case s.Timeout > 0:
		return s.Timeout.D()
	case s.DefaultTimeout > 0:
		return s.DefaultTimeout
	}
	return 3 * time.Second
}

// Threshold returns the threshold for check: def overridden field by field
// by this probe's configured thresholds (global ones are merged in by config).
func (s Spec) Threshold(check string, def Threshold) Threshold {
	o, ok := s.Thresholds[check]
	if !ok {
		return def
	}
	return def.Merge(o)
}

// ErrNoSecret is returned when a probe's secret source is configured but empty.
var ErrNoSecret = errors.New("secret not set")

// DSNValue resolves the MySQL DSN from dsn_env, dsn_file or dsn, in that order.
func (s Spec) DSNValue() (string, error) {
	return resolveSecret("dsn", s.DSNEnv, s.DSNFile, s.DSN)
}

// PasswordValue resolves a password from password_env or password_file; empty
// when neither is configured.
func (s Spec) PasswordValue() (string, error) {
	if s.PasswordEnv == "" && s.PasswordFile == "" {
		return "", nil
	}
	return resolveSecret("password", s.PasswordEnv, s.PasswordFile, "")
}

func resolveSecret(what, env, file, literal string) (string, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("%s: environment variable %s is not set: %w", what, env, ErrNoSecret)
		}
		return v, nil
	case file != "":
		b, err := readSecretFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: read %s: %w", what, file, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("%s: file %s is empty: %w", what, file, ErrNoSecret)
		}
		return v, nil
	case literal != "":
		return literal, nil
	}
	return "", fmt.Errorf("%s: none of %s_env, %s_file, %s given: %w", what, what, what, what, ErrNoSecret)
}

// maxSecretFile bounds a dsn_file or password_file: a secret is a line, and
// a FIFO or /dev/zero named by mistake must fail at once, not hang or fill
// memory.
const maxSecretFile = 64 << 10

func readSecretFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err == nil && len(b) > maxSecretFile {
		err = fmt.Errorf("more than %d bytes; a secret file holds one line", maxSecretFile)
	}
	return b, err
}

// Kind is one registered probe kind: what it takes and how to build it.
type Kind struct {
	Name string
	// Doc is one line for `triage config example` and the README.
	Doc string
	// Required lists groups of keys; each group needs at least one of its keys.
	Required [][]string
	// Allowed lists every key the kind reads besides kind, id, timeout, thresholds.
	Allowed []string
	// Checks lists the checks an instance yields (for docs and threshold keys);
	// fleet kinds may yield more at run time.
	Checks []Check
	// Thresholds are the defaults the kind grades its checks with, by check
	// name, when the config sets none (the README's table and the
	// drill-down state them; a check without one has no numeric bound).
	Thresholds map[string]Threshold
	// New builds an instance from a validated Spec.
	New func(Spec) (Probe, error)
}

// CommonKeys are accepted by every kind.
var CommonKeys = []string{"kind", "id", "timeout", "thresholds", "checks"}

// Off returns the checks switched off in the probe's `checks:` (nil when none).
func (s Spec) Off() map[string]bool {
	var off map[string]bool
	for name, v := range s.Checks {
		if SwitchOff(v) {
			if off == nil {
				off = map[string]bool{}
			}
			off[name] = true
		}
	}
	return off
}

// SwitchOff reads a `checks:` value: off, false and no switch a check off;
// on, true and yes keep it; ok reports whether v is one of those words.
func SwitchOff(v string) bool {
	off, _ := ParseSwitch(v)
	return off
}

// ParseSwitch reads on/off (and true/false, yes/no); ok is false for anything else.
func ParseSwitch(v string) (off, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "off", "false", "no":
		return true, true
	case "on", "true", "yes":
		return false, true
	}
	return false, false
}
