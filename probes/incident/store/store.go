package store

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/incident"
)

// FileName is the store's file in the state directory.
const FileName = "incidents.db"

// DefaultCloseAfter is how long the estate stays green before its incident
// closes, when the config does not say (incident.close_after).
const DefaultCloseAfter = 10 * time.Minute

// ErrNoStore is returned by OpenReader when there is no store file yet.
var ErrNoStore = errors.New("no incident store yet")

// DefaultPath is the store in the state directory (safety.StateDir).
func DefaultPath() (string, error) {
	dir, err := safety.StateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, FileName), nil
}

// Options say whose incidents a store keeps and when they close.
type Options struct {
	// Estate and Environment are the config's identity of the estate: the
	// open incident is kept per pair.
	Estate, Environment string
	// CloseAfter is how long the estate must be green before its incident
	// closes (0: DefaultCloseAfter).
	CloseAfter time.Duration
	// Now stamps what the store writes outside the tracker's entries (a
	// moved-aside file's name); time.Now when nil.
	Now func() time.Time
}

// Store is the incident store of one estate, opened by one process. The
// first process to open a file is its writer; another opens it read-only
// and says so in Notice.
type Store struct {
	path string
	opts Options
	db   *sql.DB
	lock *os.File // the writer's flock; nil when read-only
	ro   bool

	mu      sync.Mutex
	notices []string // standing: read-only, moved aside
	failed  int      // writes that failed
	lastErr string
	dropped int // entries dropped because the writer fell behind
	past    []incident.Past

	w *writer // nil when read-only
}

// Open opens (or creates) the store at path for an estate. The directory is
// made 0700 and the file 0600. Open fails only when nothing can be opened
// at all; a store another process writes is opened read-only, and a corrupt
// file is moved aside for a fresh one, each with a Notice.
func Open(path string, o Options) (*Store, error) {
	if o.CloseAfter <= 0 {
		o.CloseAfter = DefaultCloseAfter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("incident store: %w", err)
	}
	s := &Store{path: path, opts: o}
	lock, holder, err := acquire(path + ".lock")
	if err != nil {
		return nil, fmt.Errorf("incident store: %w", err)
	}
	if lock == nil {
		s.ro = true
		s.notice(fmt.Sprintf("incident store read-only: another triage (%s) writes it; this screen's incident is not kept (%s)", holder, path))
		if s.db, err = openDB(path, true); err == nil {
			err = s.loadPast()
		}
		if err != nil {
			s.closeDB()
			s.db = nil
			s.notice(fmt.Sprintf("incident store unreadable: %v", err))
		}
		return s, nil
	}
	s.lock = lock
	if err := s.openWriter(); err != nil {
		s.unlock()
		return nil, err
	}
	return s, nil
}

// openWriter opens the file for writing, moving a corrupt one aside.
func (s *Store) openWriter() error {
	if err := createPrivate(s.path); err != nil {
		return fmt.Errorf("incident store: %w", err)
	}
	db, err := openDB(s.path, false)
	if err == nil {
		err = migrate(db)
	}
	if err != nil && corrupt(err) {
		if db != nil {
			_ = db.Close()
		}
		aside := s.path + ".corrupt-" + s.opts.Now().UTC().Format("20060102T150405Z")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if rerr := os.Rename(s.path+suffix, aside+suffix); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				return fmt.Errorf("incident store %s is corrupt (%v) and could not be moved aside: %w", s.path, err, rerr)
			}
		}
		s.notice(fmt.Sprintf("incident store was corrupt: moved aside to %s, a fresh one started (%v)", aside, err))
		if err = createPrivate(s.path); err != nil {
			return fmt.Errorf("incident store: %w", err)
		}
		db, err = openDB(s.path, false)
		if err == nil {
			err = migrate(db)
		}
	}
	if err != nil {
		if db != nil {
			_ = db.Close()
		}
		return fmt.Errorf("incident store %s: %w", s.path, err)
	}
	s.db = db
	if err := s.loadPast(); err != nil {
		_ = db.Close()
		return fmt.Errorf("incident store %s: %w", s.path, err)
	}
	s.w = newWriter(s)
	return nil
}

// openDB opens the SQLite file; a reader opens it read-only (mode=ro).
func openDB(path string, readOnly bool) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)"
	if readOnly {
		dsn += "&mode=ro"
	} else {
		// WAL with synchronous NORMAL survives a killed process (only an
		// OS crash may lose the last transactions) at a write's cost of
		// an append, not an fsync.
		dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection: statements of one writer never contend
	if err := db.Ping(); err != nil {
		return db, err
	}
	if readOnly {
		return db, nil
	}
	var res string
	if err := db.QueryRow("PRAGMA quick_check").Scan(&res); err != nil {
		return db, err
	}
	if res != "ok" {
		return db, &corruptError{res}
	}
	return db, nil
}

type corruptError struct{ detail string }

func (e *corruptError) Error() string { return "quick_check: " + e.detail }

// corrupt reports an error that says the file is not a healthy database.
func corrupt(err error) bool {
	var ce *corruptError
	if errors.As(err, &ce) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return false
}

// createPrivate creates the file 0600 when it does not exist, so SQLite
// never creates it with the umask's mode (its -wal and -shm copy it).
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// acquire takes the writer's lock: an flock on a file beside the store,
// released by the kernel when the process ends however it ends. nil and
// the holder's description when another process has it.
func acquire(path string) (*os.File, string, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, "", err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "pid " + strings.TrimSpace(string(b))
			if strings.TrimSpace(string(b)) == "" {
				holder = "another process"
			}
			return nil, holder, nil
		}
		return nil, "", fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, "", nil
}

func (s *Store) unlock() {
	if s.lock != nil {
		_ = s.lock.Close() // closing the descriptor releases the flock
		s.lock = nil
	}
}

func (s *Store) closeDB() {
	if s.db != nil {
		_ = s.db.Close()
	}
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// ReadOnly reports that another process writes the store.
func (s *Store) ReadOnly() bool { return s.ro }

// Close writes what is queued, then closes the file and releases the lock.
func (s *Store) Close() error {
	if s == nil {
		return nil
	}
	if s.w != nil {
		s.w.close()
	}
	var err error
	if s.db != nil {
		err = s.db.Close()
		s.db = nil
	}
	s.unlock()
	return err
}

func (s *Store) notice(n string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notices = append(s.notices, safety.Sanitize(n))
}

// Notice is what the screen's header shows about the store: read-only,
// a corrupt file moved aside, writes failing. "" when all is well.
func (s *Store) Notice() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := append([]string(nil), s.notices...)
	if s.failed > 0 {
		parts = append(parts, fmt.Sprintf("incident store: %d write(s) failed (last: %s); the stored incident misses them, the screen goes on",
			s.failed, s.lastErr))
	}
	if s.dropped > 0 {
		parts = append(parts, fmt.Sprintf("incident store: fell behind, %d record(s) not kept", s.dropped))
	}
	return strings.Join(parts, " · ")
}

// writeFailed notes a failed write for Notice.
func (s *Store) writeFailed(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed++
	s.lastErr = safety.Sanitize(err.Error())
}
