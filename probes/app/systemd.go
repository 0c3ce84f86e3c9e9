package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
)

// UnitRestartsThreshold grades a unit's NRestarts (automatic restarts since
// it was last started by hand): more than 5 is a crash loop that needs a person.
var UnitRestartsThreshold = probes.Threshold{Crit: probes.V(5)}

var unitCheck = probes.Check{Name: "unit", Layer: probes.Application, OnTimeout: probes.Unknown}

// SystemdKind reads a systemd unit's state, locally or through ssh.
var SystemdKind = probes.Kind{
	Name:       "systemd",
	Thresholds: map[string]probes.Threshold{"unit": UnitRestartsThreshold},
	Doc:        "a systemd unit's active/sub state, restart count and uptime via `systemctl show`, locally or through the system ssh client (ssh: user@host, BatchMode)",
	Required:   [][]string{{"unit"}},
	Allowed:    []string{"unit", "ssh"},
	Checks:     []probes.Check{unitCheck},
	New:        func(s probes.Spec) (probes.Probe, error) { return NewSystemd(s) },
}

var (
	// reUnit is what systemd accepts in a unit name; it also keeps the name
	// inert in the remote shell ssh hands the command to.
	reUnit = regexp.MustCompile(`^[A-Za-z0-9:_.@\\-]+$`)
	// reSSHTarget is user@host, host or an ssh_config alias, [v6] allowed.
	reSSHTarget = regexp.MustCompile(`^[A-Za-z0-9_.@:\[\]%-]+$`)
)

// maxCommandOutput caps what is kept of systemctl's stdout and stderr.
const maxCommandOutput = 64 << 10

// Systemd is a systemd probe instance.
type Systemd struct {
	unit string
	ssh  string
	// Systemctl and SSH are the commands run (looked up in PATH); tests
	// point them at scripts.
	Systemctl, SSH string
	th             probes.Threshold
	prevRestarts   *int
	now            func() time.Time
}

var _ probes.Probe = (*Systemd)(nil)

// NewSystemd builds a systemd probe for spec.Unit, remote when spec.SSH is set.
func NewSystemd(s probes.Spec) (*Systemd, error) {
	if s.Unit == "" {
		return nil, fmt.Errorf("systemd: unit is required")
	}
	if !reUnit.MatchString(s.Unit) || strings.HasPrefix(s.Unit, "-") {
		return nil, fmt.Errorf("systemd: bad unit name %q", s.Unit)
	}
	if s.SSH != "" && (!reSSHTarget.MatchString(s.SSH) || strings.HasPrefix(s.SSH, "-")) {
		return nil, fmt.Errorf("systemd: bad ssh target %q (want user@host)", s.SSH)
	}
	return &Systemd{
		unit: s.Unit, ssh: s.SSH, Systemctl: "systemctl", SSH: "ssh", now: time.Now,
		th: s.Threshold("unit", UnitRestartsThreshold),
	}, nil
}

// Checks lists unit.
func (p *Systemd) Checks() []probes.Check { return []probes.Check{unitCheck} }

// argv is the command run: systemctl locally, or ssh with the remote
// systemctl as separate words (no shell string is built here; the names
// were checked to be inert for the remote shell).
func (p *Systemd) argv(ctx context.Context) []string {
	show := []string{"show", p.unit, "--property=" + strings.Join(unitProperties, ","), "--no-pager"}
	if p.ssh == "" {
		return append([]string{p.Systemctl}, show...)
	}
	connect := 10
	if dl, ok := ctx.Deadline(); ok {
		connect = max(1, int(math.Ceil(time.Until(dl).Seconds())))
	}
	argv := []string{p.SSH, "-o", "BatchMode=yes", "-o", fmt.Sprintf("ConnectTimeout=%d", connect), "--", p.ssh, "env", "LC_ALL=C", "systemctl"}
	return append(argv, show...)
}

// Run asks systemctl for the unit and grades it.
func (p *Systemd) Run(ctx context.Context) []probes.Result {
	argv := p.argv(ctx)
	host := "local"
	if p.ssh != "" {
		host = p.ssh
	}
	out, err := runCommand(ctx, argv)
	if err != nil {
		r := unknownResult("unit", "", err)
		r.Summary = fmt.Sprintf("cannot read unit %s on %s: %s", p.unit, host, firstLine(err.Error()))
		r.Evidence = map[string]any{"host": host, "unit": p.unit}
		return []probes.Result{r}
	}
	u, err := parseUnitShow(out)
	if err != nil {
		r := unknownResult("unit", "", err)
		r.Evidence = map[string]any{"host": host, "unit": p.unit}
		return []probes.Result{r}
	}
	now := p.now()
	r := newResult("unit", p.th)
	r.Status, r.Summary = gradeUnit(p.unit, u, p.prevRestarts, p.th, now)
	r.Value = probes.V(float64(u.NRestarts))
	r.Unit = "restarts"
	r.Evidence = map[string]any{
		"host": host, "unit": p.unit,
		"load_state": u.LoadState, "active_state": u.ActiveState, "sub_state": u.SubState,
		"result": u.Result, "n_restarts": u.NRestarts, "exec_main_status": u.ExecMainStatus,
		"active_since": u.ActiveEnter,
	}
	if !u.ActiveSince.IsZero() && (u.ActiveState == "active" || u.ActiveState == "reloading") {
		r.Evidence["active_seconds"] = now.Sub(u.ActiveSince).Seconds()
	}
	if p.prevRestarts != nil {
		r.Evidence["restarts_since_last_round"] = u.NRestarts - *p.prevRestarts
	}
	n := u.NRestarts
	p.prevRestarts = &n
	return []probes.Result{r}
}

// runCommand runs argv under ctx and returns stdout; a failure carries the
// command's stderr verbatim ("System has not been booted with systemd…").
func runCommand(ctx context.Context, argv []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 500 * time.Millisecond // a child holding the pipes does not hold Run
	stdout := &capped{max: maxCommandOutput}
	stderr := &capped{max: maxCommandOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", argv[0], ctx.Err())
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		var ee *exec.ExitError
		switch {
		case msg != "":
			return nil, errors.New(msg)
		case errors.As(err, &ee):
			return nil, fmt.Errorf("%s exited with status %d", argv[0], ee.ExitCode())
		}
		return nil, fmt.Errorf("run %s: %w", argv[0], err)
	}
	return stdout.Bytes(), nil
}

// capped is a buffer that keeps the first max bytes written to it.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
