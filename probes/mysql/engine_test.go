package mysql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
)

func TestParseEngine(t *testing.T) {
	tests := []struct {
		version, comment string
		maria            bool
		major, minor     int
		replica          string
		lockSQL          string
		priv             string
	}{
		{"10.11.19-MariaDB-0+deb12u1", "Debian 12", true, 10, 11, "SHOW ALL SLAVES STATUS", lockWaitsInnoDBSQL, "SLAVE MONITOR"},
		{"10.4.32-MariaDB", "", true, 10, 4, "SHOW ALL SLAVES STATUS", lockWaitsInnoDBSQL, "REPLICATION CLIENT"},
		{"5.5.5-10.1.48-MariaDB", "", true, 10, 1, "SHOW ALL SLAVES STATUS", lockWaitsInnoDBSQL, "REPLICATION CLIENT"},
		{"8.0.36", "MySQL Community Server - GPL", false, 8, 0, "SHOW REPLICA STATUS", lockWaitsMySQL8SQL, "REPLICATION CLIENT"},
		{"8.0.21", "MySQL Community Server - GPL", false, 8, 0, "SHOW SLAVE STATUS", lockWaitsMySQL8SQL, "REPLICATION CLIENT"},
		{"8.4.0", "MySQL Community Server - GPL", false, 8, 4, "SHOW REPLICA STATUS", lockWaitsMySQL8SQL, "REPLICATION CLIENT"},
		{"5.7.44-log", "MySQL Community Server (GPL)", false, 5, 7, "SHOW SLAVE STATUS", lockWaitsInnoDBSQL, "REPLICATION CLIENT"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			e := ParseEngine(tt.version, tt.comment)
			assert.Equal(t, tt.maria, e.MariaDB)
			assert.Equal(t, tt.major, e.Major)
			assert.Equal(t, tt.minor, e.Minor)
			assert.Equal(t, tt.replica, e.replicaStatusSQL())
			assert.Equal(t, tt.lockSQL, e.lockWaitsSQL())
			assert.Equal(t, tt.priv, e.replicationPrivilege())
		})
	}
}

func TestExplain(t *testing.T) {
	maria := ParseEngine("10.11.19-MariaDB", "")
	tg := target{user: "app", addr: "127.0.0.1:3306"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"wrong password", &driver.MySQLError{Number: 1045, Message: "Access denied for user 'app'@'localhost' (using password: YES)"},
			"access denied for user app (check the DSN's password)"},
		{"no PROCESS", &driver.MySQLError{Number: 1227, Message: "Access denied; you need (at least one of) the PROCESS privilege(s) for this operation"},
			needsProcess},
		{"no SLAVE MONITOR", &driver.MySQLError{Number: 1227, Message: "Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation"},
			"needs SLAVE MONITOR privilege (GRANT SLAVE MONITOR ON *.* TO …)"},
		{"too many", &driver.MySQLError{Number: 1040, Message: "Too many connections"}, "too many connections (error 1040): max_connections reached, even for the probe"},
		{"refused", fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), "connection refused by 127.0.0.1:3306 (server down or wrong port?)"},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), "timed out after 1s waiting for 127.0.0.1:3306"},
		{"lost", driver.ErrInvalidConn, "connection to 127.0.0.1:3306 lost"},
		{"other", errors.New("boom"), "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, maria.explain(tt.err, tg, time.Second))
		})
	}
}

func TestPasswordOfAndRedact(t *testing.T) {
	assert.Equal(t, "s3:cr@t", passwordOf("app:s3:cr@t@tcp(db:3306)/x"))
	assert.Equal(t, "", passwordOf("app@tcp(db:3306)/x"))
	assert.Equal(t, "bad … here", redact("bad s3cr here", "s3cr"))
	assert.Equal(t, "dsn op:…@tcp", redact("dsn op:p%40ss@tcp", "p@ss"), "URL-escaped too")
	assert.Equal(t, "unchanged", redact("unchanged", ""))
}
