package safety

import (
	"errors"
	"os"
	"path/filepath"
)

// StateDir is where triage keeps its state (the audit log, the screen's
// log, reports): $XDG_STATE_HOME/triage when XDG_STATE_HOME is absolute
// (the XDG spec ignores a relative one), else ~/.local/state/triage. It
// is not created here.
func StateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "triage"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", errors.Join(errors.New("no state directory: set XDG_STATE_HOME or HOME"), err)
	}
	return filepath.Join(home, ".local", "state", "triage"), nil
}
