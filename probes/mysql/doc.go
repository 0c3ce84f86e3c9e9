// Package mysql is the MySQL/MariaDB probe: connection saturation, row-lock
// waits with the blocking chain, deadlocks (the counter's rate and InnoDB's
// latest deadlock report), long transactions and purge lag, replication and
// read_only role checks, fragmentation (info only) and the rate of rejected
// logins.
//
// It also holds what the remediation code reads: the lock-wait chain
// (LockWait, BuildChain), a session's identity (ThreadIdentity,
// LookupThread), a server's replication state and the privileged sessions
// a switchover must stop (switchover.go, gtid.go), opened through
// OpenAdmin. Nothing here changes a server: the statements that do (KILL,
// read_only, the global read lock, promotion, demotion) live in
// probes/remedy/internal/dbchange, which only the guard can import.
//
// SQL is chosen by engine and version, detected once per probe instance
// (MariaDB 10.x/11.x and MySQL 5.7 read information_schema.INNODB_LOCK_WAITS;
// MySQL 8.0/8.4 read performance_schema.data_lock_waits), and result columns
// are always read by name. A console opened during an incident must be the
// lightest client on the server, so a round folds what it reads into as few
// statements as the engine allows (snapshot.go; the budget is on collect).
// Only MariaDB 10.11 was run here; the MySQL 8 statements were derived from
// the sys schema and have not been run against a MySQL server.
package mysql
