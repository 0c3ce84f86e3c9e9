package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// errNotATerminal refuses to draw the screen into a pipe or a file: the
// escape sequences would be the output, and the keyboard would not reach it.
var errNotATerminal = errors.New("the screen needs a terminal on stdin and stdout; for text output use `triage check` (or `triage lab --headless`)")

// requireTerminal refuses the screen unless stdin and stdout are terminals
// (`triage | cat`, `triage > file`, cron).
func requireTerminal() error {
	for _, f := range []*os.File{os.Stdin, os.Stdout} {
		if !isTerminal(f) {
			return &exitError{3, errNotATerminal}
		}
	}
	return nil
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
