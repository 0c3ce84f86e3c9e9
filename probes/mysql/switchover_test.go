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

func TestWaitStatement(t *testing.T) {
	assert.Equal(t, "SELECT MASTER_GTID_WAIT('0-1-5', 30)", WaitStatement(maria, "0-1-5", 30*time.Second))
	for _, e := range []Engine{mysql84, mysql80, mysql57} {
		assert.Equal(t, "SELECT WAIT_FOR_EXECUTED_GTID_SET('0-1-5', 30)", WaitStatement(e, "0-1-5", 30*time.Second))
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
	waits := []LockWait{
		{WaitingThread: 9, BlockingThread: 7}, {WaitingThread: 8, BlockingThread: 7},
		{WaitingThread: 9, BlockingThread: 8}, {WaitingThread: 8, BlockingThread: 7},
	}
	assert.Equal(t, []int64{8, 9}, WaitersOf(waits, 7))
	assert.Equal(t, []int64{9}, WaitersOf(waits, 8))
	assert.Empty(t, WaitersOf(waits, 9))
}
