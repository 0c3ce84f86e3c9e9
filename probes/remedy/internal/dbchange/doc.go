// Package dbchange holds the statements that kill sessions or reconfigure
// a MySQL/MariaDB server (read_only, the global read lock, promotion,
// demotion, KILL). It lives under probes/remedy/internal so that only the
// guard can import it: nothing else in triage can change a server, and a
// new caller has to go through the guard's preview, confirmation, audit and
// verification. Reading a server stays in probes/mysql.
package dbchange
