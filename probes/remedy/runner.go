package remedy

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"time"
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

// Run implements Runner.
func (r ExecRunner) Run(ctx context.Context, argv []string) ([]byte, []byte, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, nil, errors.New("empty argv")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
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
	return out.Bytes(), errb.Bytes(), err
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
