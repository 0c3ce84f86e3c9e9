// Package daemons starts real servers as child processes on 127.0.0.1: a
// MariaDB (a fresh datadir, or a copy of a cached, initialised template) and
// a Redis, each in a directory of its own and stopped by its pid. The
// training estate (`triage lab`) runs its data layer on them, and the test
// helpers (mariadbtest, testenv.StartRedis) wrap them for tests.
//
// Nothing here stops a process it did not start.
package daemons
