// Package redis is the Redis probe: clients against maxclients (with a
// client list summary for the drill-down), rejected connections, memory
// against maxmemory and its policy, evictions, and the replication link.
//
// One round sends INFO (every section it needs in one call), one CONFIG GET
// (falling back to INFO's values where CONFIG is renamed or forbidden) and,
// when the client count matters, CLIENT LIST. Counters (rejected_connections,
// evicted_keys, errorstat_OOM) are compared between rounds, never graded on
// their absolute value. Fields and rules follow
// docs/sql.md §8, verified on Redis 7.0.
package redis
