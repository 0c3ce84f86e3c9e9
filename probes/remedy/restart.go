package remedy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes"
)

// DefaultRestartTimeout bounds a restart command when the config gives none.
const DefaultRestartTimeout = 60 * time.Second

// restartAction runs the configured argv, locally or through ssh.
type restartAction struct {
	g    *Guard
	comp *config.Component
	cfg  config.Restart
}

func (a *restartAction) argv() []string {
	if a.cfg.SSH != "" {
		return sshArgv(a.cfg.SSH, a.cfg.Argv)
	}
	return a.cfg.Argv
}

func (a *restartAction) display() string {
	if a.cfg.SSH != "" {
		return "ssh -o BatchMode=yes -o ConnectTimeout=10 -- " + shellQuote(a.cfg.SSH) + " " + displayArgv(a.cfg.Argv)
	}
	return displayArgv(a.cfg.Argv)
}

func (a *restartAction) timeout() time.Duration {
	if d := a.cfg.Timeout.D(); d > 0 {
		return d
	}
	return DefaultRestartTimeout
}

func (a *restartAction) preview(ctx context.Context, p *Plan) error {
	where := "locally"
	if a.cfg.SSH != "" {
		where = "on " + a.cfg.SSH + " through ssh"
	}
	p.Label = fmt.Sprintf("restart %s: run %s %s (timeout %s)", a.comp.Name, displayArgv(a.cfg.Argv), where, a.timeout())
	p.Target = a.comp.Name
	if a.cfg.SSH != "" {
		p.Target += " @ " + a.cfg.SSH
	}
	p.Commands = []string{a.display()}
	pre, binding, _ := a.recheck(ctx, *p)
	p.Preconditions, p.Binding = pre, binding
	st, sum := a.g.opts.Reprobe(ctx, a.comp.Name)
	p.Before = fmt.Sprintf("%s: %s", st, sum)
	return nil
}

// recheck: the command exists (locally: the file argv[0] resolves to, bound
// by path, size and modification time so a swapped script is stale;
// through ssh: the ssh client).
func (a *restartAction) recheck(context.Context, Plan) ([]Precondition, map[string]string, error) {
	bin := a.cfg.Argv[0]
	want := bin + " is an executable"
	if a.cfg.SSH != "" {
		bin, want = "ssh", "the ssh client is installed"
	}
	pc := Precondition{Name: "command exists", Want: want}
	binding := map[string]string{"argv": displayArgv(a.argv())}
	path, err := exec.LookPath(bin)
	if err != nil {
		pc.Got = "not found: " + errText(err)
	} else {
		pc.OK, pc.Got = true, path
		if st, err := os.Stat(path); err == nil {
			binding["executable"] = fmt.Sprintf("%s size=%d mtime=%s", path, st.Size(), st.ModTime().UTC().Format(time.RFC3339Nano))
		}
	}
	return []Precondition{pc}, binding, nil
}

func (a *restartAction) run(ctx context.Context, p Plan, out *Outcome) error {
	ctx, cancel := context.WithTimeout(ctx, a.timeout())
	defer cancel()
	start := time.Now()
	output, err := a.g.runCommand(ctx, a.argv(), ChildEnv(a.cfg.Env, a.cfg.SSH != ""))
	out.Output = output
	step := StepResult{Name: "run restart command", Command: a.display(), OK: err == nil,
		Output: safety.Bound(output, stepOutputHead, stepOutputTail), DurationMS: time.Since(start).Milliseconds()}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %s (process group killed): %w", a.timeout(), err)
		}
		step.Error = err.Error()
		out.Steps = append(out.Steps, step)
		out.Next = fmt.Sprintf("the command failed; look at its output, then at %s by hand", a.comp.Name)
		return err
	}
	out.Steps = append(out.Steps, step)
	return nil
}

// verify probes the component again, once a second, until it is no worse
// than warn or the verify timeout passes.
func (a *restartAction) verify(ctx context.Context, p Plan, out *Outcome) {
	limit := a.g.opts.VerifyTimeout
	if limit <= 0 {
		limit = 30 * time.Second
	}
	deadline := time.Now().Add(limit)
	var st probes.Status
	var sum string
	for {
		st, sum = a.g.opts.Reprobe(ctx, a.comp.Name)
		if st == probes.OK || st == probes.Warn || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	out.Verified = st == probes.OK || st == probes.Warn
	out.Verification = fmt.Sprintf("before: %s; after: %s: %s", p.Before, st, sum)
}

func (a *restartAction) close() {}

// A step keeps less of the output than the outcome: the head and tail
// of the outcome's.
const (
	stepOutputHead = 512
	stepOutputTail = 512
)

func combineOutput(stdout, stderr string) string {
	var b strings.Builder
	b.WriteString(stdout)
	if len(stderr) > 0 {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		b.WriteString("stderr: ")
		b.WriteString(stderr)
	}
	return b.String()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
