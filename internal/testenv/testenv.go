// Package testenv finds the real servers integration tests run against and
// decides what a missing one means: a skip with the reason on a developer's
// machine, a failure under CI=true, where .ci/run provides every server.
package testenv

import (
	"context"
	"database/sql"
	"net"
	"os"
	"testing"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab"
	driver "github.com/go-sql-driver/mysql"
)

// SkipOrFail skips the test with the reason, or fails it under CI=true.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, so this may not skip: "+format, args...)
	}
	t.Skipf(format, args...)
}

// MySQLDSN is the server MySQL integration tests use: TRIAGE_TEST_MYSQL_DSN,
// else the machine's MariaDB as root on 127.0.0.1:3306, database test. It
// skips (fails under CI=true) when none answers within 3 s. The driver's own
// logger is silenced: killed sessions make it write to stderr.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	_ = driver.SetLogger(&driver.NopLogger{})
	dsn := os.Getenv("TRIAGE_TEST_MYSQL_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/test"
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("TRIAGE_TEST_MYSQL_DSN: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		SkipOrFail(t, "no MySQL/MariaDB answers at TRIAGE_TEST_MYSQL_DSN or 127.0.0.1:3306: %v", err)
	}
	return dsn
}

// Hanging is a loopback address that accepts connections and never answers
// (lab.Hanging), closed when the test ends.
func Hanging(t testing.TB) string {
	t.Helper()
	h, err := lab.NewHanging()
	if err != nil {
		t.Fatalf("hanging listener: %v", err)
	}
	t.Cleanup(h.Close)
	return h.Addr
}

// Refused is a loopback address on which a connect is refused at once.
func Refused(t testing.TB) string {
	t.Helper()
	addr, err := lab.RefusedAddr()
	if err != nil {
		t.Fatalf("refused address: %v", err)
	}
	return addr
}

// Open is a loopback address that accepts connections and closes them at
// once: a healthy port.
func Open(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("open listener: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = l.Close(); <-done })
	return l.Addr().String()
}

// Silent is a loopback address whose accept queue is full, so a connect
// never completes (lab.Silent), closed when the test ends.
func Silent(t testing.TB) string {
	t.Helper()
	s, err := lab.NewSilent()
	if err != nil {
		t.Fatalf("silent listener: %v", err)
	}
	t.Cleanup(s.Close)
	return s.Addr
}

// RunByCheck runs one round of p under timeout and returns its results by
// check name, failing unless every check of p answered.
func RunByCheck(t testing.TB, p probes.Probe, timeout time.Duration) map[string]probes.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out := map[string]probes.Result{}
	for _, r := range p.Run(ctx) {
		out[r.Check] = r
	}
	if len(out) != len(p.Checks()) {
		t.Fatalf("probe answered %d checks, want %d: %v", len(out), len(p.Checks()), out)
	}
	return out
}
