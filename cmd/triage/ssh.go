package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/fivelayer/triage/tui/sshserve"
)

// sshFlags are the flags of the screen over SSH (`serve --ssh`, `lab --ssh`).
type sshFlags struct {
	addr, authorizedKeys, hostKey string
	maxSessions                   int
	idleTimeout                   time.Duration
}

func (f *sshFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "ssh", "", "serve the screen over SSH on `ADDR` (host:port), one incident for every session")
	fs.StringVar(&f.authorizedKeys, "authorized-keys", "", "OpenSSH authorized_keys `FILE` for --ssh: viewers, and operators marked "+sshserve.RoleOption)
	fs.StringVar(&f.hostKey, "host-key", "", "SSH host key `FILE`, created (0600) when missing (default ssh_host_ed25519_key in the state directory)")
	fs.IntVar(&f.maxSessions, "max-sessions", sshserve.DefaultMaxSessions, "SSH sessions open at once; one more is refused with a message")
	fs.DurationVar(&f.idleTimeout, "idle-timeout", sshserve.DefaultIdleTimeout, "end an SSH session that sent no key for this long")
}

// check refuses SSH flags without --ssh, and --ssh without its keys.
func (f *sshFlags) check(fs *pflag.FlagSet) error {
	if f.addr == "" {
		for _, n := range []string{"authorized-keys", "host-key", "max-sessions", "idle-timeout"} {
			if fs.Changed(n) {
				return &exitError{3, fmt.Errorf("--%s needs --ssh ADDR", n)}
			}
		}
		return nil
	}
	switch {
	case f.authorizedKeys == "":
		return &exitError{3, fmt.Errorf("--ssh needs --authorized-keys FILE: public keys are the only way in")}
	case f.maxSessions <= 0:
		return &exitError{3, fmt.Errorf("--max-sessions %d: want at least 1", f.maxSessions)}
	case f.idleTimeout <= 0:
		return &exitError{3, fmt.Errorf("--idle-timeout %s: want a positive duration", f.idleTimeout)}
	}
	return nil
}

// startSSH listens and serves o on f.addr; the returned stop ends every
// session with a goodbye and waits (bounded) for them and their actions.
func startSSH(f *sshFlags, o sshserve.Options) (stop func(), errc <-chan error, err error) {
	o.AuthorizedKeys, o.HostKey, o.MaxSessions, o.IdleTimeout = f.authorizedKeys, f.hostKey, f.maxSessions, f.idleTimeout
	o.Logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, "triage: "+format+"\n", args...) }
	srv, err := sshserve.New(o)
	if err != nil {
		return nil, nil, &exitError{3, err}
	}
	addr, err := srv.Listen(f.addr)
	if err != nil {
		return nil, nil, &exitError{3, err}
	}
	fmt.Fprintf(os.Stderr, "triage: serving %s over ssh on %s (host key %s)\n", o.Config.Estate, addr, srv.HostKeyFingerprint())
	ch := make(chan error, 1)
	go func() { ch <- srv.Serve() }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "triage: ssh shutdown: %v\n", err)
		}
	}, ch, nil
}
