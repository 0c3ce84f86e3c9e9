package mysql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

// withoutDeadlock cuts the LATEST DETECTED DEADLOCK section out of a real
// capture: what a server that has seen no deadlock since start prints.
func withoutDeadlock(t *testing.T, s string) string {
	t.Helper()
	i := strings.Index(s, "------------------------\nLATEST DETECTED DEADLOCK")
	j := strings.Index(s, "------------\nTRANSACTIONS")
	require.True(t, i > 0 && j > i)
	return s[:i] + s[j:]
}

func TestParseLatestDeadlock(t *testing.T) {
	mariadb := readTestdata(t, "innodb_status_mariadb_10.11.txt")
	// MySQL 8 shape (HOLDS THE LOCK(S), "MySQL thread id", host and ip):
	// written from MySQL 8.0's documented output, not captured from a real
	// MySQL 8 server, which this machine does not have. Unverified.
	mysql8 := readTestdata(t, "innodb_status_mysql8_unverified.txt")
	ts := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		require.NoError(t, err)
		return v
	}
	tests := []struct {
		name       string
		text       string
		ok         bool
		time       time.Time
		age        time.Duration
		rolledBack int
		trx        []DeadlockTrx
	}{
		{
			name: "MariaDB 10.11, captured", text: mariadb, ok: true,
			time: ts("2026-12-06 17:45:33"), age: time.Second, rolledBack: 1,
			trx: []DeadlockTrx{
				{Number: 1, TrxID: "38", ThreadID: 16, User: "root", Host: "127.0.0.1",
					Query:      "DELETE FROM triage_invoice_12064 WHERE id IN (1, 3)",
					LocksHeld:  []string{"`test`.`triage_invoice_12064` index PRIMARY: lock_mode X locks rec but not gap"},
					LockWaited: "`test`.`triage_invoice_12064` index PRIMARY: lock_mode X locks rec but not gap waiting"},
				{Number: 2, TrxID: "37", ThreadID: 15, User: "root", Host: "127.0.0.1",
					Query:      "UPDATE triage_invoice_12064 SET amount = amount + 1 /* pay */ WHERE id = 2",
					LocksHeld:  []string{"`test`.`triage_invoice_12064` index PRIMARY: lock_mode X locks rec but not gap"},
					LockWaited: "`test`.`triage_invoice_12064` index PRIMARY: lock_mode X locks rec but not gap waiting"},
			},
		},
		{
			name: "MySQL 8 shape, unverified", text: mysql8, ok: true,
			time: ts("2026-12-06 18:01:58"), age: 12 * time.Second, rolledBack: 2,
			trx: []DeadlockTrx{
				{Number: 1, TrxID: "2079", ThreadID: 41, User: "app", Host: "localhost",
					Query:      "UPDATE invoice SET status = 'paid' WHERE id = 2",
					LocksHeld:  []string{"`billing`.`invoice` index PRIMARY: lock_mode X locks rec but not gap"},
					LockWaited: "`billing`.`invoice` index PRIMARY: lock_mode X locks rec but not gap waiting"},
				{Number: 2, TrxID: "2080", ThreadID: 42, User: "app", Host: "10.0.0.7",
					Query:      "UPDATE invoice SET status = 'void' WHERE id = 1",
					LocksHeld:  []string{"`billing`.`invoice` index PRIMARY: lock_mode X locks rec but not gap"},
					LockWaited: "`billing`.`invoice` index PRIMARY: lock_mode X locks rec but not gap waiting"},
			},
		},
		{name: "no deadlock since start", text: withoutDeadlock(t, mariadb)},
		{name: "empty", text: ""},
		{name: "heading only", text: "LATEST DETECTED DEADLOCK\n------------------------\n2026-12-06 17:45:33 0x7f\n"},
		{
			name: "control characters in the statement and no header",
			text: "LATEST DETECTED DEADLOCK\n---\n2026-12-06 17:50:01 0x7f\n*** (1) TRANSACTION:\nTRANSACTION 5, ACTIVE 1 sec\n" +
				"MariaDB thread id 7, OS thread handle 1, query id 9 10.0.0.5 bob\x1b[31m Updating\n" +
				"UPDATE t SET v='\x1b]0;pwned\x07x\u202e' WHERE id=1\r\n*** WE ROLL BACK TRANSACTION (1)\n",
			ok: true, time: ts("2026-12-06 17:50:01"), rolledBack: 1,
			trx: []DeadlockTrx{{Number: 1, TrxID: "5", ThreadID: 7, User: "bob", Host: "10.0.0.5",
				Query: "UPDATE t SET v='x' WHERE id=1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := parseLatestDeadlock(tt.text)
			require.Equal(t, tt.ok, ok)
			if !ok {
				return
			}
			assert.Equal(t, tt.time, d.Time)
			age, known := d.Age()
			assert.Equal(t, tt.age != 0, known)
			assert.Equal(t, tt.age, age)
			assert.Equal(t, tt.rolledBack, d.RolledBack)
			assert.Equal(t, tt.trx, d.Transactions)
			v, found := d.Victim()
			assert.True(t, found)
			assert.Equal(t, tt.rolledBack, v.Number)
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "SELECT 1", "SELECT 1"},
		{"newlines and tabs collapse", "UPDATE t\n\tSET v = 1\r\n WHERE id = 2", "UPDATE t SET v = 1 WHERE id = 2"},
		{"CSI colour", "a\x1b[1;31mb\x1b[0m", "ab"},
		{"OSC title", "a\x1b]0;title\x07b", "ab"},
		{"C1 CSI", "a\u009b2Jb", "ab"},
		{"bidi override", "a\u202eb", "ab"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"trailing escape", "a\x1b", "a"},
		{"unterminated OSC takes the rest", "a\x1b]0;pwned", "a"},
		{"C1 OSC payload goes with it", "a\u009d0;pwned\u009cb", "ab"},
		{"isolate and mark", "a\u2066b\u200fc", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, clean(tt.in)) })
	}
}
