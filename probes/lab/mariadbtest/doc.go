// Package mariadbtest starts throwaway MariaDB servers for tests: a fresh
// datadir in a temporary directory, a free 127.0.0.1 port, and GTID
// replication between two of them, so tests of replication and switchover
// never touch the machine's own server on 3306.
//
// Every server is stopped by its pid file in t.Cleanup and its directory
// removed. When mariadbd or mariadb-install-db is missing the test is
// skipped with the reason, or failed when CI=true.
package mariadbtest
