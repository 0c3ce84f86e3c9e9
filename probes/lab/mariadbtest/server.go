package mariadbtest

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
	"syscall"
	"testing"
	"time"

	// The driver for the root connections the helpers open.
	"github.com/fivelayer/triage/internal/testenv"
	_ "github.com/go-sql-driver/mysql"
)

// Options shape one server.
type Options struct {
	// ServerID is @@server_id; it also names the GTIDs the server writes.
	ServerID int
	// ReadOnly starts the server with read_only=ON (a replica).
	ReadOnly bool
	// Args are extra mariadbd options, e.g. "--max-connections=20".
	Args []string
}

// Server is one mariadbd started by a test.
type Server struct {
	Port     int
	ServerID int
	Dir      string // datadir, socket, pid file and error log live here

	pidFile string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// startTimeout bounds install + start; a fresh server answers in about a second.
const startTimeout = 30 * time.Second

// Addr is 127.0.0.1:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// DSN is a go-sql-driver DSN for user on this server (empty password allowed).
func (s *Server) DSN(user, password, db string) string {
	cred := user
	if password != "" {
		cred += ":" + password
	}
	return fmt.Sprintf("%s@tcp(%s)/%s", cred, s.Addr(), db)
}

// RootDSN is root with the empty password, no default database.
func (s *Server) RootDSN() string { return s.DSN("root", "", "") }

// ErrorLog returns the server's error log, for failure messages.
func (s *Server) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "error.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func binary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH or in /usr/sbin", name)
}

// Start installs a fresh datadir and starts mariadbd on a free loopback
// port; it returns once the server answers. The server is stopped in
// t.Cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	mariadbd, err := binary("mariadbd")
	if err != nil {
		testenv.SkipOrFail(t, "mariadbtest: %v (apt-get install mariadb-server)", err)
	}
	install, err := binary("mariadb-install-db")
	if err != nil {
		testenv.SkipOrFail(t, "mariadbtest: %v (apt-get install mariadb-server)", err)
	}
	if opts.ServerID == 0 {
		opts.ServerID = 1
	}
	// Not t.TempDir(): the socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "mariadbtest-")
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	// A temporary directory of the server's own: mariadb-install-db runs of
	// parallel tests collide on temporary tables in a shared /tmp.
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	s := &Server{ServerID: opts.ServerID, Dir: dir, pidFile: filepath.Join(dir, "mariadbd.pid")}
	if err := s.install(install); err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		if last = s.start(mariadbd, opts); last == nil {
			t.Cleanup(func() {
				if err := s.Stop(); err != nil {
					t.Errorf("mariadbtest: stop server %d: %v", s.ServerID, err)
				}
			})
			return s
		}
		_ = s.Stop()
	}
	t.Fatalf("mariadbtest: start server %d: %v\n%s", s.ServerID, last, s.ErrorLog())
	return nil
}

func (s *Server) install(bin string) error {
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(s.Dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db",
		"--innodb-log-file-size=4M", "--innodb-buffer-pool-size=16M",
		"--tmpdir=" + s.tmpDir()}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+s.tmpDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("mariadb-install-db: %w\n%s", err, tail(out))
	}
	return nil
}

// tmpDir is the server's own temporary directory, for mariadb-install-db
// (TMPDIR) and mariadbd (--tmpdir).
func (s *Server) tmpDir() string { return filepath.Join(s.Dir, "tmp") }

func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start(bin string, opts Options) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	args := []string{"--no-defaults",
		"--datadir=" + filepath.Join(s.Dir, "data"),
		"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1", "--skip-name-resolve",
		"--socket=" + filepath.Join(s.Dir, "sock"), "--pid-file=" + s.pidFile,
		"--log-error=" + filepath.Join(s.Dir, "error.log"),
		"--server-id=" + strconv.Itoa(opts.ServerID),
		"--log-bin=mysql-bin", "--relay-log=relay-bin", "--binlog-format=ROW", "--log-slave-updates",
		"--gtid-strict-mode=ON",
		"--innodb-buffer-pool-size=16M", "--innodb-log-file-size=4M",
		"--tmpdir=" + s.tmpDir(),
	}
	if opts.ReadOnly {
		args = append(args, "--read-only")
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	args = append(args, opts.Args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+s.tmpDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start mariadbd: %w", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.exited) }()
	return s.waitReady()
}

func (s *Server) waitReady() error {
	db, err := sql.Open("mysql", s.RootDSN()+"?timeout=1s")
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("mariadbd exited before answering: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer on %s within %s: %w", s.Addr(), startTimeout, err)
		}
	}
}

// Stop ends the server by the pid in its pid file (falling back to the
// process it started) and waits for it to exit: SIGTERM, then SIGKILL
// after 20 s. It is safe to call twice.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	pid := s.cmd.Process.Pid
	if b, err := os.ReadFile(s.pidFile); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && p == pid {
			pid = p
		}
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(20 * time.Second):
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	<-s.exited
	return fmt.Errorf("server %d did not stop on SIGTERM within 20 s; killed", s.ServerID)
}
