package daemons_test

import (
	"context"
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes/lab/daemons"
)

func requireMariaDB(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"mariadbd", "mariadb-install-db"} {
		if _, err := daemons.Binary(bin); err != nil {
			testenv.SkipOrFail(t, "%v (apt-get install mariadb-server)", err)
		}
	}
}

func query(t *testing.T, s *daemons.MariaDB, q string) string {
	t.Helper()
	db, err := sql.Open("mysql", s.RootDSN()+"?timeout=5s")
	require.NoError(t, err)
	defer db.Close()
	var v string
	require.NoError(t, db.QueryRowContext(context.Background(), q).Scan(&v))
	return v
}

// TestTemplateIsBuiltOnceAndServersStartFromIt: the template holds what
// prepare made; a second call finds it; two servers started from it hold
// its data, have no GTID history, and can be killed and started again.
func TestTemplateIsBuiltOnceAndServersStartFromIt(t *testing.T) {
	requireMariaDB(t)
	root := t.TempDir()
	calls := 0
	prepare := func(ctx context.Context, db *sql.DB) error {
		calls++
		_, err := db.ExecContext(ctx, "CREATE DATABASE tmpl; CREATE TABLE tmpl.t (id INT PRIMARY KEY); INSERT INTO tmpl.t VALUES (7)")
		return err
	}
	dir, err := daemons.MariaDBTemplate(root, "k1", prepare)
	require.NoError(t, err)
	again, err := daemons.MariaDBTemplate(root, "k1", prepare)
	require.NoError(t, err)
	assert.Equal(t, dir, again)
	assert.Equal(t, 1, calls, "the cached template is reused")
	other, err := daemons.MariaDBTemplate(root, "k2", prepare)
	require.NoError(t, err)
	assert.NotEqual(t, dir, other, "another key is another template")

	s, err := daemons.StartMariaDB(daemons.MariaDBOptions{ServerID: 5, Template: dir})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Remove() })
	assert.Equal(t, "7", query(t, s, "SELECT id FROM tmpl.t"))
	assert.Equal(t, "", query(t, s, "SELECT @@gtid_binlog_pos"), "a template has no binary log")
	assert.Equal(t, "5", query(t, s, "SELECT @@server_id"))

	require.NoError(t, s.Kill())
	assert.False(t, s.Running())
	_, err = net.Dial("tcp", s.Addr())
	require.Error(t, err, "a killed server refuses")
	require.NoError(t, s.Restart("--read-only=ON"))
	assert.Equal(t, "1", query(t, s, "SELECT @@read_only"))
	assert.Equal(t, "7", query(t, s, "SELECT id FROM tmpl.t"), "same datadir, same port")
	require.Error(t, s.Restart(), "a running server is not started twice")

	require.NoError(t, s.Remove())
	_, err = os.Stat(s.Dir)
	assert.True(t, os.IsNotExist(err), "Remove removes the directory")
	_, err = os.Stat(filepath.Join(dir, "mysql"))
	assert.NoError(t, err, "the template is left as it was")
}

func TestRedisStartsAndStops(t *testing.T) {
	if _, err := daemons.Binary("redis-server"); err != nil {
		testenv.SkipOrFail(t, "%v", err)
	}
	r, err := daemons.StartRedis(t.TempDir(), "--port", "--maxclients", "20")
	require.NoError(t, err)
	c, err := net.Dial("tcp", r.Addr)
	require.NoError(t, err)
	_, err = c.Write([]byte("*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$10\r\nmaxclients\r\n"))
	require.NoError(t, err)
	buf := make([]byte, 128)
	n, err := c.Read(buf)
	require.NoError(t, err)
	assert.Contains(t, string(buf[:n]), "20")
	_ = c.Close()
	r.Stop()
	r.Stop()
	_, err = net.Dial("tcp", r.Addr)
	assert.Error(t, err)
}
