package mysql

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var (
	maria   = Engine{MariaDB: true, Major: 10, Minor: 11, Patch: 19}
	mysql84 = Engine{Major: 8, Minor: 4, Patch: 3}
	mysql80 = Engine{Major: 8, Minor: 0, Patch: 21}
	mysql57 = Engine{Major: 5, Minor: 7, Patch: 44}
)

func TestSwitchoverStatements(t *testing.T) {
	src := Source{Host: "10.0.0.2", Port: 3306, User: "repl", Password: "p'w\\x"}
	tests := []struct {
		name     string
		e        Engine
		readOnly []string
		promote  []string
		wait     string
		show     []string
		run      []string
	}{
		{name: "MariaDB", e: maria,
			readOnly: []string{"SET GLOBAL read_only = ON"},
			promote:  []string{"STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = OFF"},
			wait:     "SELECT MASTER_GTID_WAIT('0-1-5', 30)",
			show: []string{"SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos",
				"CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='…', MASTER_USE_GTID=slave_pos",
				"START SLAVE"},
			run: []string{"SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos",
				`CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='p''w\\x', MASTER_USE_GTID=slave_pos`,
				"START SLAVE"}},
		{name: "MySQL 8.4", e: mysql84,
			readOnly: []string{"SET GLOBAL super_read_only = ON"},
			promote:  []string{"STOP REPLICA", "RESET REPLICA ALL", "SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"},
			wait:     "SELECT WAIT_FOR_EXECUTED_GTID_SET('0-1-5', 30)",
			show: []string{
				"CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.2', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='…', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1",
				"START REPLICA"}},
		{name: "MySQL 8.0.21", e: mysql80,
			readOnly: []string{"SET GLOBAL super_read_only = ON"},
			promote:  []string{"STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"},
			wait:     "SELECT WAIT_FOR_EXECUTED_GTID_SET('0-1-5', 30)",
			show: []string{
				"CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='…', MASTER_AUTO_POSITION=1",
				"START SLAVE"}},
		{name: "MySQL 5.7", e: mysql57,
			readOnly: []string{"SET GLOBAL super_read_only = ON"},
			promote:  []string{"STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"},
			wait:     "SELECT WAIT_FOR_EXECUTED_GTID_SET('0-1-5', 30)",
			show: []string{
				"CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='…', MASTER_AUTO_POSITION=1",
				"START SLAVE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.readOnly, ReadOnlyStatements(tt.e, true))
			assert.Equal(t, tt.promote, PromoteStatements(tt.e))
			assert.Equal(t, tt.wait, WaitStatement(tt.e, "0-1-5", 30*time.Second))
			run, show := DemoteStatements(tt.e, src, false)
			assert.Equal(t, tt.show, show)
			if tt.run != nil {
				assert.Equal(t, tt.run, run)
			}
			for _, s := range show {
				assert.NotContains(t, s, "p''w", "the password never shows")
			}
		})
	}
}

func TestQuoteString(t *testing.T) {
	tests := []struct {
		in          string
		noBackslash bool
		want        string
	}{
		{in: "plain", want: "'plain'"},
		{in: "it's", want: "'it''s'"},
		{in: `a\b`, want: `'a\\b'`},
		{in: `a\b`, noBackslash: true, want: `'a\b'`},
		{in: "nul\x00nl\n", want: `'nul\0nl\n'`},
		{in: `x\'; DROP TABLE t; --`, want: `'x\\''; DROP TABLE t; --'`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, QuoteString(tt.in, tt.noBackslash), "%q", tt.in)
	}
}

func TestGTIDComparisons(t *testing.T) {
	assert.Empty(t, ErrantBinlogState("0-1-100", "0-1-120"))
	assert.Equal(t, []string{"0-2-5"}, ErrantBinlogState("0-1-100,0-2-5", "0-1-120"), "a server the primary never logged")
	assert.Equal(t, []string{"0-1-121"}, ErrantBinlogState("0-1-121", "0-1-120"), "ahead of the primary")
	assert.Empty(t, ErrantBinlogState("0-1-100,0-2-5", "0-2-7,0-1-120"))

	assert.True(t, SamePosition(maria, "0-1-5,1-2-9", "1-2-9, 0-1-5"))
	assert.False(t, SamePosition(maria, "0-1-5", "0-1-6"))
	assert.True(t, SamePosition(mysql84, "uuid:1-5,\nuuid2:1-3", "uuid:1-5,uuid2:1-3"))

	assert.Equal(t, []string{"0-1-434..0-1-438 (5 transactions)"}, MissingMariaDB("0-1-438", "0-1-433"))
	assert.Empty(t, MissingMariaDB("0-1-438", "0-1-438"))
	assert.Equal(t, []string{"domain 0: primary at 0-1-438, replica received up to 0-2-433"}, MissingMariaDB("0-1-438", "0-2-433"))
	assert.Len(t, MissingMariaDB("0-1-5,1-1-9", "0-1-5"), 1)
}

func TestKillPrimitives(t *testing.T) {
	assert.Equal(t, "KILL CONNECTION 4711", KillStatement(4711, false))
	assert.Equal(t, "KILL QUERY 4711", KillStatement(4711, true))
	waits := []LockWait{
		{WaitingThread: 9, BlockingThread: 7}, {WaitingThread: 8, BlockingThread: 7},
		{WaitingThread: 9, BlockingThread: 8}, {WaitingThread: 8, BlockingThread: 7},
	}
	assert.Equal(t, []int64{8, 9}, WaitersOf(waits, 7))
	assert.Equal(t, []int64{9}, WaitersOf(waits, 8))
	assert.Empty(t, WaitersOf(waits, 9))
}
