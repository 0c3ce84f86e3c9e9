package mariadbtest

import (
	"time"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartPairReplicates(t *testing.T) {
	primary, replica := StartPair(t)
	require.NotEqual(t, primary.Port, replica.Port)

	primary.Exec(t, "CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY)", "INSERT INTO app.t VALUES (1)")
	WaitCaughtUp(t, primary, replica, 10*time.Second)
	assert.Equal(t, "1", replica.Query(t, "SELECT COUNT(*) FROM app.t"))
	assert.Equal(t, "1", replica.Query(t, "SELECT @@read_only"))
	assert.Equal(t, "0", primary.Query(t, "SELECT @@read_only"))

	require.NoError(t, replica.Stop())
	require.NoError(t, replica.Stop(), "a second Stop is a no-op")
}
