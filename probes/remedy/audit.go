package remedy

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fivelayer/triage/internal/safety"
)

// Audit phases.
const (
	PhaseIntent  = "intent"  // written and fsynced before anything runs
	PhaseOutcome = "outcome" // written and fsynced before the result is shown
)

// maxOutput bounds captured command output in a record: its head and
// tail, half each.
const maxOutput = 8192

// Record is one line of the audit log (JSONL). It never holds a password or
// a DSN: the guard redacts every secret it resolved before writing.
type Record struct {
	Time          time.Time         `json:"time"`
	Phase         string            `json:"phase"`
	ID            string            `json:"id"`
	Operator      string            `json:"operator"`
	Origin        string            `json:"origin"`
	Host          string            `json:"host"`
	Action        ActionKind        `json:"action"`
	Component     string            `json:"component"`
	Target        string            `json:"target"`
	Label         string            `json:"label,omitempty"`
	Commands      []string          `json:"commands"`
	Preconditions []Precondition    `json:"preconditions"`
	Binding       map[string]string `json:"binding,omitempty"`
	Reason        string            `json:"reason"`
	DryRun        bool              `json:"dry_run"`
	Result        string            `json:"result,omitempty"`
	Verified      *bool             `json:"verified,omitempty"`
	Verification  string            `json:"verification,omitempty"`
	Steps         []StepResult      `json:"steps,omitempty"`
	Next          string            `json:"next,omitempty"`
	Error         string            `json:"error,omitempty"`
	DurationMS    int64             `json:"duration_ms"`
	Output        string            `json:"output,omitempty"`
}

// DefaultAuditPath is audit.jsonl in the state directory
// (safety.StateDir: $XDG_STATE_HOME/triage, else ~/.local/state/triage),
// or in the temporary directory when there is no home.
func DefaultAuditPath() string {
	dir, err := safety.StateDir()
	if err != nil {
		dir = filepath.Join(os.TempDir(), "triage")
	}
	return filepath.Join(dir, "audit.jsonl")
}

// auditLog appends records to one file. Each record is one write of one
// line to a file opened O_APPEND, then fsync, then close: a crash leaves
// whole lines, and another triage appending at the same time interleaves
// lines, never bytes of a line.
type auditLog struct {
	path string
	mu   sync.Mutex
}

// append writes r as one line, redacting secrets, and fsyncs it.
func (a *auditLog) append(r Record, secrets []string) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("%w: encode: %v", ErrAudit, err)
	}
	b = append(redactJSON(b, secrets), '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := openAuditAppend(a.path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		return fmt.Errorf("%w: write %s: %v", ErrAudit, a.path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("%w: fsync %s: %v", ErrAudit, a.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%w: close %s: %v", ErrAudit, a.path, err)
	}
	return nil
}

// openAuditAppend opens the audit log for appending, creating it 0600.
// It refuses (ErrAudit) what an attacker could have put in its place: a
// symlink (O_NOFOLLOW: appending through one writes to its target), a
// FIFO or device (O_NONBLOCK keeps a FIFO from blocking the open), a file
// owned by someone else, or one group or world can write (its lines could
// have been forged). A file that others may only read is tightened to 0600.
func openAuditAppend(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAudit, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%w: %s is a symbolic link; the audit log must be a regular file", ErrAudit, path)
		}
		return nil, fmt.Errorf("%w: %v", ErrAudit, err)
	}
	st, err := f.Stat()
	if err == nil {
		err = vetAuditFile(path, st)
	}
	if err == nil && st.Mode().Perm() != 0o600 {
		if cerr := f.Chmod(0o600); cerr != nil {
			err = fmt.Errorf("%w: %s is mode %04o and cannot be made 0600: %v", ErrAudit, path, st.Mode().Perm(), cerr)
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// vetAuditFile refuses an audit log that is not a regular file owned by
// this user and closed to other writers.
func vetAuditFile(path string, st fs.FileInfo) error {
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file (%s)", ErrAudit, path, st.Mode().Type())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("%w: %s is owned by uid %d, not by this user (uid %d)", ErrAudit, path, sys.Uid, os.Geteuid())
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%w: %s is writable by group or others (mode %04o); its records cannot be trusted: check it, then chmod 600", ErrAudit, path, st.Mode().Perm())
	}
	return nil
}

// check refuses an existing audit log that appending would refuse, so a
// preview says so before anyone types a confirmation. A missing log is fine:
// it is created on the first record.
func (a *auditLog) check() error {
	st, err := os.Lstat(a.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%w: %v", ErrAudit, err)
	case st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: %s is a symbolic link; the audit log must be a regular file", ErrAudit, a.path)
	}
	return vetAuditFile(a.path, st)
}

// ReadAudit reads every record of an audit log, oldest first. A missing
// file is an empty log; a line that does not parse is skipped and counted.
// A symlink, FIFO or device is refused rather than followed or waited on.
func ReadAudit(path string) (records []Record, skipped int, err error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read audit log: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("read audit log: %s is not a regular file", path)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var r Record
		if json.Unmarshal([]byte(line), &r) != nil {
			skipped++
			continue
		}
		records = append(records, r)
	}
	if err := sc.Err(); err != nil {
		return records, skipped, fmt.Errorf("read audit log %s: %w", path, err)
	}
	return records, skipped, nil
}

// lastAttempt returns the latest intent (something about to run, not a dry
// run) of action on component, from the log on disk so a cooldown survives
// restarts of triage.
func (a *auditLog) lastAttempt(action ActionKind, component string) (Record, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	recs, _, err := ReadAudit(a.path)
	if err != nil {
		return Record{}, false, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if r.Phase == PhaseIntent && !r.DryRun && r.Action == action && r.Component == component {
			return r, true, nil
		}
	}
	return Record{}, false, nil
}

// redactJSON replaces every secret (as written, JSON- or URL-escaped)
// with "…" (safety.MaskJSON).
func redactJSON(b []byte, secrets []string) []byte {
	out, _ := safety.MaskJSON(b, secrets, safety.Masked)
	return out
}
