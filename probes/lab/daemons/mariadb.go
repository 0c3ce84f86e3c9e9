package daemons

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	// The driver for the root connections the helpers open.
	_ "github.com/go-sql-driver/mysql"
)

// MariaDBOptions shape one server.
type MariaDBOptions struct {
	// ServerID is @@server_id; it also names the GTIDs the server writes (default 1).
	ServerID int
	// ReadOnly starts the server with read_only=ON (a replica).
	ReadOnly bool
	// Args are extra mariadbd options, e.g. "--max-connections=20".
	Args []string
	// Template is an initialised datadir (MariaDBTemplate) copied instead of
	// running mariadb-install-db: a start in about a second instead of three.
	Template string
}

// MariaDB is one mariadbd started by this process.
type MariaDB struct {
	Port     int
	ServerID int
	Dir      string // datadir, socket, pid file and error log live here

	bin     string
	opts    MariaDBOptions
	pidFile string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartTimeout bounds install + start; a fresh server answers in about a second.
const StartTimeout = 30 * time.Second

// ErrNotInstalled is returned when mariadbd or mariadb-install-db is missing.
var ErrNotInstalled = errors.New("not installed")

// Addr is 127.0.0.1:port.
func (s *MariaDB) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// DSN is a go-sql-driver DSN for user on this server (empty password allowed).
func (s *MariaDB) DSN(user, password, db string) string {
	cred := user
	if password != "" {
		cred += ":" + password
	}
	return fmt.Sprintf("%s@tcp(%s)/%s", cred, s.Addr(), db)
}

// RootDSN is root with the empty password, no default database.
func (s *MariaDB) RootDSN() string { return s.DSN("root", "", "") }

// ErrorLog returns the tail of the server's error log, for failure messages.
func (s *MariaDB) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "error.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Binary finds a MariaDB program on PATH or in the usual sbin directories.
func Binary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s %w (not on PATH nor in /usr/sbin)", name, ErrNotInstalled)
}

// StartMariaDB makes a datadir in a new temporary directory (a copy of
// opts.Template, else mariadb-install-db) and starts mariadbd on a free
// loopback port; it returns once the server answers. Stop it with Stop and
// remove Dir afterwards (Remove does both).
func StartMariaDB(opts MariaDBOptions) (*MariaDB, error) {
	mariadbd, err := Binary("mariadbd")
	if err != nil {
		return nil, err
	}
	if opts.ServerID == 0 {
		opts.ServerID = 1
	}
	// Not a deep temporary directory: the socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "mariadb-")
	if err != nil {
		return nil, err
	}
	s := &MariaDB{ServerID: opts.ServerID, Dir: dir, bin: mariadbd, opts: opts, pidFile: filepath.Join(dir, "mariadbd.pid")}
	// A temporary directory of the server's own: mariadb-install-db runs of
	// parallel tests collide on temporary tables in a shared /tmp.
	if err := os.Mkdir(s.tmpDir(), 0o700); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if opts.Template != "" {
		err = copyTree(opts.Template, s.dataDir())
	} else {
		err = install(s.dataDir(), s.tmpDir())
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		if last = s.start(); last == nil {
			return s, nil
		}
		_ = s.Stop()
	}
	log := s.ErrorLog()
	_ = os.RemoveAll(dir)
	return nil, fmt.Errorf("start mariadbd %d: %w\n%s", s.ServerID, last, log)
}

func (s *MariaDB) dataDir() string { return filepath.Join(s.Dir, "data") }

// tmpDir is the server's own temporary directory, for mariadb-install-db
// (TMPDIR) and mariadbd (--tmpdir).
func (s *MariaDB) tmpDir() string { return filepath.Join(s.Dir, "tmp") }

// install runs mariadb-install-db into datadir.
func install(datadir, tmp string) error {
	bin, err := Binary("mariadb-install-db")
	if err != nil {
		return err
	}
	args := []string{"--no-defaults", "--datadir=" + datadir,
		"--auth-root-authentication-method=normal", "--skip-test-db",
		"--innodb-log-file-size=4M", "--innodb-buffer-pool-size=16M",
		"--tmpdir=" + tmp}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("mariadb-install-db: %w\n%s", err, tail(out))
	}
	return nil
}

func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// FreePort is a loopback port nobody listened on a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *MariaDB) start() error {
	if s.Port == 0 {
		port, err := FreePort()
		if err != nil {
			return err
		}
		s.Port = port
	}
	args := []string{"--no-defaults",
		"--datadir=" + s.dataDir(),
		"--port=" + strconv.Itoa(s.Port), "--bind-address=127.0.0.1", "--skip-name-resolve",
		"--socket=" + filepath.Join(s.Dir, "sock"), "--pid-file=" + s.pidFile,
		"--log-error=" + filepath.Join(s.Dir, "error.log"),
		"--server-id=" + strconv.Itoa(s.opts.ServerID),
		"--log-bin=mysql-bin", "--relay-log=relay-bin", "--binlog-format=ROW", "--log-slave-updates",
		"--gtid-strict-mode=ON",
		"--innodb-buffer-pool-size=16M", "--innodb-log-file-size=4M",
		"--tmpdir=" + s.tmpDir(),
	}
	if s.opts.ReadOnly {
		args = append(args, "--read-only")
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	args = append(args, s.opts.Args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+s.tmpDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start mariadbd: %w", err)
	}
	exited := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	go func() { _ = cmd.Wait(); close(exited) }()
	if err := s.waitReady(exited); err != nil {
		return err
	}
	return nil
}

func (s *MariaDB) waitReady(exited <-chan struct{}) error {
	db, err := sql.Open("mysql", s.RootDSN()+"?timeout=1s")
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(StartTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("mariadbd exited before answering: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer on %s within %s: %w", s.Addr(), StartTimeout, err)
		}
	}
}

// Running reports whether the process this value started is alive.
func (s *MariaDB) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Pid is the server's process id, 0 when it is not running.
func (s *MariaDB) Pid() int {
	if !s.Running() {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Pid
}

// Restart starts the stopped server again on the same port and datadir,
// with extra options appended to the ones it started with.
func (s *MariaDB) Restart(extra ...string) error {
	if s.Running() {
		return fmt.Errorf("mariadbd %d is running", s.ServerID)
	}
	s.opts.Args = append(s.opts.Args, extra...)
	if err := s.start(); err != nil {
		_ = s.Stop()
		return fmt.Errorf("restart mariadbd %d: %w\n%s", s.ServerID, err, s.ErrorLog())
	}
	return nil
}

// Stop ends the server by the pid in its pid file (when it is the process
// this value started) and waits for it to exit: SIGTERM, then SIGKILL after
// 20 s. It is safe to call twice.
func (s *MariaDB) Stop() error { return s.signal(syscall.SIGTERM, 20*time.Second) }

// Kill ends the server at once with SIGKILL, as a crash would.
func (s *MariaDB) Kill() error { return s.signal(syscall.SIGKILL, 20*time.Second) }

func (s *MariaDB) signal(sig syscall.Signal, wait time.Duration) error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-exited:
		return nil
	default:
	}
	pid := cmd.Process.Pid
	if b, err := os.ReadFile(s.pidFile); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && p == pid {
			pid = p
		}
	}
	if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-exited:
		return nil
	case <-time.After(wait):
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	<-exited
	return fmt.Errorf("server %d did not stop on %s within %s; killed", s.ServerID, sig, wait)
}

// Remove stops the server and removes its directory.
func (s *MariaDB) Remove() error {
	err := s.Stop()
	if rerr := os.RemoveAll(s.Dir); err == nil {
		err = rerr
	}
	return err
}
