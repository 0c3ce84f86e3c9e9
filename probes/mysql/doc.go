// Package mysql is the MySQL/MariaDB probe: connection saturation, row-lock
// waits with the blocking chain, long transactions and purge lag, replication
// and read_only role checks, fragmentation (info only) and the rate of
// rejected logins.
//
// It also holds the read-only primitives the remediation code builds on: the
// lock-wait chain (LockWait, BuildChain) and a session's identity
// (ThreadIdentity, LookupThread). Nothing in this package ever runs a
// statement that changes the server: KILL and switchover live behind the
// guard in probes/remedy.
//
// SQL is chosen by engine and version, detected once per probe instance
// (MariaDB 10.x/11.x and MySQL 5.7 read information_schema.INNODB_LOCK_WAITS;
// MySQL 8.0/8.4 read performance_schema.data_lock_waits), and result columns
// are always read by name. The statements and thresholds follow
// shared/reference/data-layer.md; the MySQL 8 statements were derived from the
// sys schema and have not been run against a MySQL server here.
package mysql
