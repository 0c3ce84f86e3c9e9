package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// triageBin is the command built once for the tests that run it as a user would.
var triageBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "triage-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	triageBin = filepath.Join(dir, "triage")
	if out, err := exec.Command("go", "build", "-o", triageBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildTriage returns the command built for this test run.
func buildTriage(t *testing.T) string {
	t.Helper()
	return triageBin
}
