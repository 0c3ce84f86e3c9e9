package mysql

import (
	"context"
	"fmt"
	"testing"

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
