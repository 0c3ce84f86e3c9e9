package dbchange

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/probes/mysql"
)

var (
	maria   = mysql.Engine{MariaDB: true, Major: 10, Minor: 11, Patch: 19}
	mysql84 = mysql.Engine{Major: 8, Minor: 4, Patch: 3}
	mysql80 = mysql.Engine{Major: 8, Minor: 0, Patch: 21}
	mysql57 = mysql.Engine{Major: 5, Minor: 7, Patch: 44}
)

func TestSwitchoverStatements(t *testing.T) {
	src := Source{Host: "10.0.0.2", Port: 3306, User: "repl", Password: "p'w\\x"}
	tests := []struct {
		name     string
		e        mysql.Engine
		readOnly []string
		promote  []string
		show     []string
		run      []string
	}{
		{name: "MariaDB", e: maria,
			readOnly: []string{"SET GLOBAL read_only = ON"},
			promote:  []string{"STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = OFF"},
			show: []string{"SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos",
				"CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='…', MASTER_USE_GTID=slave_pos",
				"START SLAVE"},
			run: []string{"SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos",
				`CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='p''w\\x', MASTER_USE_GTID=slave_pos`,
				"START SLAVE"}},
		{name: "MySQL 8.4", e: mysql84,
			readOnly: []string{"SET GLOBAL super_read_only = ON"},
			promote:  []string{"STOP REPLICA", "RESET REPLICA ALL", "SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"},
			show: []string{
				"CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.2', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='…', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1",
				"START REPLICA"}},
		{name: "MySQL 8.0.21", e: mysql80,
			readOnly: []string{"SET GLOBAL super_read_only = ON"},
			promote:  []string{"STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"},
			show: []string{
				"CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='…', MASTER_AUTO_POSITION=1",
				"START SLAVE"}},
		{name: "MySQL 5.7", e: mysql57,
			readOnly: []string{"SET GLOBAL super_read_only = ON"},
			promote:  []string{"STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"},
			show: []string{
				"CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='…', MASTER_AUTO_POSITION=1",
				"START SLAVE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.readOnly, ReadOnlyStatements(tt.e, true))
			assert.Equal(t, tt.promote, PromoteStatements(tt.e))
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

func TestKillStatement(t *testing.T) {
	assert.Equal(t, "KILL CONNECTION 4711", KillStatement(4711, false))
	assert.Equal(t, "KILL QUERY 4711", KillStatement(4711, true))
}
