package mysql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/fivelayer/triage/internal/safety"
	driver "github.com/go-sql-driver/mysql"
)

// Server error numbers we explain (MySQL and MariaDB share them).
const (
	erDBAccessDenied     = 1044
	erAccessDenied       = 1045
	erBadDB              = 1049
	erTooManyConnections = 1040
	erSpecificAccess     = 1227
	erTableAccessDenied  = 1142
	erColumnAccess       = 1143
	erUnknownTable       = 1109
)

// target names the server in messages: never the DSN, which holds the password.
type target struct {
	user string
	addr string
}

// explain turns an error into the one line a person reads: what is wrong and
// what to do. elapsed is how long the failed step waited.
func (e Engine) explain(err error, t target, elapsed time.Duration) string {
	if err == nil {
		return ""
	}
	var me *driver.MySQLError
	if errors.As(err, &me) {
		return e.explainServer(me, t)
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("timed out after %s waiting for %s", elapsed.Round(10*time.Millisecond), t.addr)
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("connection refused by %s (server down or wrong port?)", t.addr)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, driver.ErrInvalidConn):
		return fmt.Sprintf("connection to %s lost", t.addr)
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return fmt.Sprintf("cannot resolve %s: %s", de.Name, de.Err)
	}
	return err.Error()
}

// explainServer names the privilege or the setting that is missing.
func (e Engine) explainServer(me *driver.MySQLError, t target) string {
	msg := me.Message
	switch me.Number {
	case erAccessDenied:
		return fmt.Sprintf("access denied for user %s (check the DSN's password)", t.user)
	case erTooManyConnections:
		return "too many connections (error 1040): max_connections reached, even for the probe"
	case erDBAccessDenied:
		return fmt.Sprintf("access denied to the DSN's database for user %s (error 1044)", t.user)
	case erBadDB:
		return fmt.Sprintf("unknown database in the DSN (error 1049): %s", msg)
	case erSpecificAccess:
		up := strings.ToUpper(msg)
		switch {
		case strings.Contains(up, "PROCESS"):
			return needsProcess
		case strings.Contains(up, "MONITOR"), strings.Contains(up, "REPLICATION CLIENT"),
			strings.Contains(up, "SUPER"):
			return e.needsReplication()
		}
		return fmt.Sprintf("missing privilege (error 1227): %s", msg)
	case erTableAccessDenied, erColumnAccess:
		return fmt.Sprintf("needs SELECT on the table (error %d): %s; grant PROCESS, %s, SELECT ON *.*",
			me.Number, msg, e.replicationPrivilege())
	}
	return fmt.Sprintf("error %d: %s", me.Number, msg)
}

// needsProcess is what lock_waits and long_transactions say without PROCESS.
const needsProcess = "needs PROCESS privilege (GRANT PROCESS ON *.* TO …)"

func (e Engine) needsReplication() string {
	p := e.replicationPrivilege()
	return fmt.Sprintf("needs %s privilege (GRANT %s ON *.* TO …)", p, p)
}

// isPrivilege reports whether err is a server's access refusal for one
// statement (the connection itself is fine).
func isPrivilege(err error) bool {
	var me *driver.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case erSpecificAccess, erTableAccessDenied, erColumnAccess, erDBAccessDenied, erUnknownTable:
		return true
	}
	return false
}

// redact removes the password from text that might quote a DSN (driver
// errors do not, but a parse error of a malformed DSN is our own wording).
// The password goes in every spelling safety.Mask knows (as written,
// JSON- or URL-escaped), as it does from the guard's and the recorder's output.
func redact(s, password string) string { return safety.Mask(s, []string{password}) }
