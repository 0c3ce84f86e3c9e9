package mysql

import (
	"context"
	"fmt"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQuoteStringRoundTrip sends tricky strings through QuoteString to the
// real server, in both backslash modes, and reads them back: what CHANGE
// MASTER TO receives as a password is exactly the configured one.
func TestQuoteStringRoundTrip(t *testing.T) {
	db := openDB(t, testenv.MySQLDSN(t))
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	inputs := []string{"plain", "it's", `back\slash`, `x\'; DROP TABLE t; --`, "nul\x00byte", "new\nline", "ü€😀", `\\''\`}
	for _, mode := range []string{"", "NO_BACKSLASH_ESCAPES"} {
		_, err := conn.ExecContext(ctx, fmt.Sprintf("SET SESSION sql_mode = '%s'", mode))
		require.NoError(t, err)
		st, err := ReadServerState(ctx, conn)
		require.NoError(t, err)
		assert.Equal(t, mode != "", st.NoBackslashEscapes)
		for _, in := range inputs {
			var got string
			require.NoError(t, conn.QueryRowContext(ctx, "SELECT "+QuoteString(in, st.NoBackslashEscapes)).Scan(&got), "%q", in)
			assert.Equal(t, in, got, "mode %q", mode)
		}
	}
}

func TestReadServerStateIntegration(t *testing.T) {
	db := openDB(t, testenv.MySQLDSN(t))
	st, err := ReadServerState(context.Background(), db)
	require.NoError(t, err)
	assert.NotZero(t, st.ServerID)
	assert.NotEmpty(t, st.Engine.Version)
	lw, err := LongWrites(context.Background(), db, 3600)
	require.NoError(t, err)
	assert.Empty(t, lw)
}

// TestPrivilegedSessionsIntegration: a root session is listed, an
// application account's is not; an account without PROCESS cannot see the
// others, and says so instead of reporting none.
func TestPrivilegedSessionsIntegration(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	root := openDB(t, dsn)
	ctx := context.Background()
	user := fmt.Sprintf("triage_plain_%d", time.Now().UnixNano()%1_000_000)
	_, err := root.ExecContext(ctx, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY 'plain-pw'", user))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = root.ExecContext(context.Background(), fmt.Sprintf("DROP USER '%s'@'%%'", user)) })

	cfg, err := driver.ParseDSN(dsn)
	require.NoError(t, err)
	cfg.User, cfg.Passwd, cfg.DBName = user, "plain-pw", ""
	plain := openDB(t, cfg.FormatDSN())
	require.NoError(t, plain.PingContext(ctx))

	// A second root session, held open, is one a switchover must stop.
	other, err := root.Conn(ctx)
	require.NoError(t, err)
	defer other.Close()
	var otherID int64
	require.NoError(t, other.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&otherID))

	ss, err := PrivilegedSessions(ctx, root)
	require.NoError(t, err)
	ids := map[int64]string{}
	for _, s := range ss {
		ids[s.ID] = s.User
		assert.NotEqual(t, user, s.User, "an account without READ_ONLY ADMIN is not listed")
	}
	assert.Equal(t, "root", ids[otherID], "the other root session is listed: %v", ss)

	missing, err := MissingAdminPrivileges(ctx, root)
	require.NoError(t, err)
	assert.Empty(t, missing)
	missing, err = MissingAdminPrivileges(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, []string{"PROCESS", "CONNECTION ADMIN (or SUPER)"}, missing)
}
