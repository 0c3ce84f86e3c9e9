package mariadbtest

import (
	"errors"
	"os"
	"testing"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes/lab/daemons"
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

// Server is one mariadbd started by a test (daemons.MariaDB: Port, Dir,
// Addr, DSN, RootDSN, ErrorLog, Stop).
type Server struct {
	*daemons.MariaDB
}

// Start installs a fresh datadir and starts mariadbd on a free loopback
// port; it returns once the server answers. The server is stopped and its
// directory removed in t.Cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	for _, name := range []string{"mariadbd", "mariadb-install-db"} {
		if _, err := daemons.Binary(name); err != nil {
			testenv.SkipOrFail(t, "mariadbtest: %v (apt-get install mariadb-server)", err)
		}
	}
	s, err := daemons.StartMariaDB(daemons.MariaDBOptions{ServerID: opts.ServerID, ReadOnly: opts.ReadOnly, Args: opts.Args})
	if errors.Is(err, daemons.ErrNotInstalled) {
		testenv.SkipOrFail(t, "mariadbtest: %v (apt-get install mariadb-server)", err)
	}
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("mariadbtest: stop server %d: %v", s.ServerID, err)
		}
		_ = os.RemoveAll(s.Dir)
	})
	return &Server{s}
}
