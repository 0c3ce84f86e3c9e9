package mysql

import (
	"fmt"
	"strconv"
	"strings"
)

// Engine is the server flavour and version, detected once per probe instance
// from @@version and @@version_comment.
type Engine struct {
	MariaDB             bool
	Major, Minor, Patch int
	// Version is @@version as the server reports it.
	Version string
}

// ParseEngine reads @@version ("10.11.19-MariaDB-0+deb12u1", "8.0.36",
// "5.7.44-log") and @@version_comment. MariaDB is recognised by "MariaDB" in
// either, as the reference prescribes.
func ParseEngine(version, comment string) Engine {
	e := Engine{Version: version}
	e.MariaDB = strings.Contains(strings.ToLower(version+" "+comment), "mariadb")
	v := version
	// Old MariaDB replication-compat prefix: "5.5.5-10.1.48-MariaDB".
	if strings.HasPrefix(v, "5.5.5-") && e.MariaDB {
		v = strings.TrimPrefix(v, "5.5.5-")
	}
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	parts := strings.SplitN(v, ".", 3)
	nums := []*int{&e.Major, &e.Minor, &e.Patch}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			break
		}
		*nums[i] = n
	}
	return e
}

// String is "MariaDB 10.11.19" or "MySQL 8.0.36".
func (e Engine) String() string {
	name := "MySQL"
	if e.MariaDB {
		name = "MariaDB"
	}
	return fmt.Sprintf("%s %d.%d.%d", name, e.Major, e.Minor, e.Patch)
}

// AtLeast reports whether the version is major.minor.patch or later.
func (e Engine) AtLeast(major, minor, patch int) bool {
	if e.Major != major {
		return e.Major > major
	}
	if e.Minor != minor {
		return e.Minor > minor
	}
	return e.Patch >= patch
}

// mysql8 is MySQL 8.0 or later (performance_schema lock tables, no INNODB_LOCKS).
func (e Engine) mysql8() bool { return !e.MariaDB && e.Major >= 8 }

// lockWaitsSQL is docs/sql.md §2a (MariaDB, MySQL 5.7) or §2b (MySQL 8).
func (e Engine) lockWaitsSQL() string {
	if e.mysql8() {
		return lockWaitsMySQL8SQL
	}
	return lockWaitsInnoDBSQL
}

// replicaStatusSQL picks the statement that exists on this version: MariaDB
// lists every connection (multi-source); MySQL 8.0.22+ renamed the statement
// and 8.4 removed the old one.
func (e Engine) replicaStatusSQL() string {
	switch {
	case e.MariaDB:
		return "SHOW ALL SLAVES STATUS"
	case e.AtLeast(8, 0, 22):
		return "SHOW REPLICA STATUS"
	}
	return "SHOW SLAVE STATUS"
}

// replicationPrivilege names the privilege SHOW REPLICA STATUS needs.
func (e Engine) replicationPrivilege() string {
	if e.MariaDB && e.AtLeast(10, 5, 9) {
		return "SLAVE MONITOR"
	}
	return "REPLICATION CLIENT"
}
