package remedy

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/fivelayer/triage/internal/safety"
)

// Captured output is bounded per stream: the first outputHead and the last
// outputTail bytes are kept and the rest is counted, so a command that
// prints gigabytes costs kilobytes.
const (
	outputHead = 1536
	outputTail = 1536
)

// Runner runs a command from an argv, never through a local shell. It is the
// seam tests replace to count executions.
type Runner interface {
	Run(ctx context.Context, argv []string) (stdout, stderr []byte, err error)
}

// ExecRunner runs argv with exec.CommandContext in its own process group:
// on ctx's deadline the whole group is killed. stdin is /dev/null.
type ExecRunner struct {
	// WaitDelay bounds how long Run waits for output after the command
	// exited (a restart script that starts a daemon leaves the daemon holding
	// stdout); default 2s.
	WaitDelay time.Duration
}

// Run implements Runner: the child gets the minimal environment
// (ChildEnv) and its output is bounded to its head and tail.
func (r ExecRunner) Run(ctx context.Context, argv []string) ([]byte, []byte, error) {
	out, errb, err := r.runEnv(ctx, argv, ChildEnv(nil, false))
	return []byte(out.String(nil)), []byte(errb.String(nil)), err
}

// envRunner is a Runner that sets the child's whole environment and hands
// back its output still unmasked in bounded captures, so the guard masks
// each part before trimming it (a secret cut by the omitted middle goes
// whole). ExecRunner is one; test runners need not be.
type envRunner interface {
	runEnv(ctx context.Context, argv, env []string) (stdout, stderr *safety.Capture, err error)
}

func (r ExecRunner) runEnv(ctx context.Context, argv, env []string) (*safety.Capture, *safety.Capture, error) {
	out, errb := safety.NewCapture(outputHead, outputTail), safety.NewCapture(outputHead, outputTail)
	if len(argv) == 0 || argv[0] == "" {
		return out, errb, errors.New("empty argv")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = r.WaitDelay
	if cmd.WaitDelay <= 0 {
		cmd.WaitDelay = 2 * time.Second
	}
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil // exited 0; a child it started still holds the output pipes
	}
	return out, errb, err
}

// defaultPath is the child's PATH when triage has none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ChildEnv is the whole environment of a restart command or a traffic
// hook: PATH, HOME and LANG from triage's, SSH_AUTH_SOCK when it runs
// through ssh (the agent is how BatchMode ssh logs in), and what the
// action's config lists (NAME passes triage's value on, NAME=value sets
// one). Nothing else: triage's environment holds the DSNs and passwords it
// resolved, and a child that prints its environment must find none.
func ChildEnv(listed []string, ssh bool) []string {
	var env []string
	pass := func(name string) {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	if _, ok := os.LookupEnv("PATH"); ok {
		pass("PATH")
	} else {
		env = append(env, "PATH="+defaultPath)
	}
	pass("HOME")
	pass("LANG")
	if ssh {
		pass("SSH_AUTH_SOCK")
	}
	for _, e := range listed {
		if strings.Contains(e, "=") {
			env = append(env, e)
		} else {
			pass(e)
		}
	}
	return env
}

// runCommand runs argv with env through the guard's Runner and returns
// its combined output, bounded to head and tail and with every secret
// triage resolved masked.
func (g *Guard) runCommand(ctx context.Context, argv, env []string) (string, error) {
	secrets := g.allSecrets()
	if r, ok := g.opts.Runner.(envRunner); ok {
		stdout, stderr, err := r.runEnv(ctx, argv, env)
		return combineOutput(stdout.String(secrets), stderr.String(secrets)), err
	}
	so, se, err := g.opts.Runner.Run(ctx, argv)
	stdout, stderr := safety.NewCapture(outputHead, outputTail), safety.NewCapture(outputHead, outputTail)
	_, _ = stdout.Write(so)
	_, _ = stderr.Write(se)
	return combineOutput(stdout.String(secrets), stderr.String(secrets)), err
}

// sshArgv wraps argv to run on host through the system ssh client. ssh joins
// its remaining arguments into one line for the remote shell, so each word
// is quoted for a POSIX shell and arrives as the same argv there.
func sshArgv(host string, argv []string) []string {
	out := []string{"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "--", host}
	for _, a := range argv {
		out = append(out, shellQuote(a))
	}
	return out
}

// shellQuote quotes s for a POSIX shell unless it is plainly safe.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@,+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// displayArgv renders argv for a plan: words quoted where needed.
func displayArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
