package mysql

// One round issues these, in order (docs/sql.md §1–§5). Each is a single
// round trip; see Probe.collect for which run when.

// variablesSQL is engine-agnostic: a variable the server lacks is simply absent.
const variablesSQL = `SHOW GLOBAL VARIABLES WHERE Variable_name IN (
 'version','version_comment','max_connections','max_user_connections','read_only','super_read_only',
 'server_id','log_bin','gtid_mode','gtid_executed','gtid_strict_mode',
 'gtid_current_pos','gtid_slave_pos','gtid_binlog_pos','gtid_binlog_state')`

// statusSQL reads gauges and counters; the counters are compared between rounds.
const statusSQL = `SHOW GLOBAL STATUS WHERE Variable_name IN (
 'Threads_connected','Threads_running','Max_used_connections','Connections',
 'Aborted_connects','Aborted_clients','Connection_errors_max_connections',
 'Access_denied_errors','Aborted_connects_preauth','Innodb_history_list_length',
 'Innodb_deadlocks','Slaves_connected','Slaves_running','Uptime')`

// trxSQL lists the oldest transactions (docs/sql.md §3) with their session, plus the
// counts the lock-wait step needs to decide whether to run at all.
const trxSQL = `SELECT t.trx_mysql_thread_id AS thread_id, t.trx_id, t.trx_state, t.trx_started,
  TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS trx_age_seconds,
  t.trx_rows_modified, t.trx_rows_locked, t.trx_isolation_level,
  p.USER AS user, p.HOST AS host, p.DB AS db, p.COMMAND AS command, p.TIME AS time,
  LEFT(t.trx_query, 512) AS trx_query,
  (SELECT COUNT(*) FROM information_schema.INNODB_TRX) AS trx_total,
  (SELECT COUNT(*) FROM information_schema.INNODB_TRX x WHERE x.trx_state = 'LOCK WAIT') AS trx_lock_waiting
FROM information_schema.INNODB_TRX t
LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
WHERE t.trx_mysql_thread_id <> CONNECTION_ID()
ORDER BY t.trx_started LIMIT 20`

// lockWaitsInnoDBSQL is docs/sql.md §2a (MariaDB 10.x/11.x, MySQL 5.7), verified on 10.11.
// Both trx ids are selected so the chain can be built and a blocker's
// identity pinned; PROCESSLIST joins stay LEFT (different snapshots).
const lockWaitsInnoDBSQL = `SELECT
  r.trx_mysql_thread_id AS waiting_thread_id, r.trx_id AS waiting_trx_id,
  rp.USER AS waiting_user, rp.HOST AS waiting_host, rp.DB AS waiting_db,
  LEFT(r.trx_query, 512) AS waiting_query,
  TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS wait_seconds,
  rl.lock_table AS locked_table, rl.lock_index AS locked_index, rl.lock_mode AS waiting_lock_mode,
  b.trx_mysql_thread_id AS blocking_thread_id, b.trx_id AS blocking_trx_id,
  bp.USER AS blocking_user, bp.HOST AS blocking_host, bp.DB AS blocking_db,
  bp.COMMAND AS blocking_command, bp.TIME AS blocking_state_seconds,
  LEFT(b.trx_query, 512) AS blocking_query,
  b.trx_state AS blocking_trx_state, b.trx_started AS blocking_trx_started,
  TIMESTAMPDIFF(SECOND, b.trx_started, NOW()) AS blocking_trx_age_seconds,
  b.trx_rows_locked AS blocking_rows_locked, b.trx_rows_modified AS blocking_rows_modified
FROM information_schema.INNODB_LOCK_WAITS w
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
LEFT JOIN information_schema.INNODB_LOCKS rl ON rl.lock_id = w.requested_lock_id
LEFT JOIN information_schema.PROCESSLIST rp ON rp.ID = r.trx_mysql_thread_id
LEFT JOIN information_schema.PROCESSLIST bp ON bp.ID = b.trx_mysql_thread_id
ORDER BY wait_seconds DESC, waiting_thread_id LIMIT 200`

// lockWaitsMySQL8SQL is docs/sql.md §2b, derived from sys.x$innodb_lock_waits (not run
// here: no MySQL server on this image). Thread ids are PROCESSLIST_IDs, the
// ids KILL takes, never performance_schema THREAD_IDs.
const lockWaitsMySQL8SQL = `SELECT
  rt.PROCESSLIST_ID AS waiting_thread_id, r.trx_id AS waiting_trx_id,
  rt.PROCESSLIST_USER AS waiting_user, rt.PROCESSLIST_HOST AS waiting_host, rt.PROCESSLIST_DB AS waiting_db,
  LEFT(r.trx_query, 512) AS waiting_query,
  TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS wait_seconds,
  CONCAT(rl.OBJECT_SCHEMA, '.', rl.OBJECT_NAME) AS locked_table, rl.INDEX_NAME AS locked_index,
  rl.LOCK_MODE AS waiting_lock_mode,
  bt.PROCESSLIST_ID AS blocking_thread_id, b.trx_id AS blocking_trx_id,
  bt.PROCESSLIST_USER AS blocking_user, bt.PROCESSLIST_HOST AS blocking_host, bt.PROCESSLIST_DB AS blocking_db,
  bt.PROCESSLIST_COMMAND AS blocking_command, bt.PROCESSLIST_TIME AS blocking_state_seconds,
  LEFT(b.trx_query, 512) AS blocking_query,
  IF(bs.END_EVENT_ID IS NOT NULL, LEFT(bs.SQL_TEXT, 512), NULL) AS blocking_last_statement,
  b.trx_state AS blocking_trx_state, b.trx_started AS blocking_trx_started,
  TIMESTAMPDIFF(SECOND, b.trx_started, NOW()) AS blocking_trx_age_seconds,
  b.trx_rows_locked AS blocking_rows_locked, b.trx_rows_modified AS blocking_rows_modified
FROM performance_schema.data_lock_waits w
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.BLOCKING_ENGINE_TRANSACTION_ID
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.REQUESTING_ENGINE_TRANSACTION_ID
JOIN performance_schema.data_locks rl ON rl.ENGINE_LOCK_ID = w.REQUESTING_ENGINE_LOCK_ID
JOIN performance_schema.threads rt ON rt.THREAD_ID = w.REQUESTING_THREAD_ID
JOIN performance_schema.threads bt ON bt.THREAD_ID = w.BLOCKING_THREAD_ID
LEFT JOIN performance_schema.events_statements_current bs ON bs.THREAD_ID = w.BLOCKING_THREAD_ID
ORDER BY wait_seconds DESC, waiting_thread_id LIMIT 200`

// processlistSQL is the drill-down's "top by time": sessions doing something
// first, then idle ones, longest first. Without PROCESS a user sees only
// its own sessions.
const processlistSQL = `SELECT ID AS id, USER AS user, HOST AS host, DB AS db, COMMAND AS command,
  TIME AS time, STATE AS state, LEFT(INFO, 256) AS info
FROM information_schema.PROCESSLIST
WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
  AND USER NOT IN ('system user', 'event_scheduler')
ORDER BY (COMMAND = 'Sleep'), TIME DESC LIMIT 10`

// historyMetricsSQL reads the history list length where no status variable
// has it (MySQL). SELECT * because the enabled flag is ENABLED on MariaDB and
// STATUS on MySQL: we read it by name.
const historyMetricsSQL = `SELECT * FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'`

// fragmentationSQL is docs/sql.md §5 without the 1 GiB filter (applied in Go, so the
// drill-down still lists the largest free space); it runs at most every
// fragmentationEvery because it opens every InnoDB table.
const fragmentationSQL = `SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name,
  DATA_LENGTH AS data_length, INDEX_LENGTH AS index_length, DATA_FREE AS data_free
FROM information_schema.TABLES
WHERE ENGINE = 'InnoDB' AND DATA_FREE > 0
  AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
ORDER BY DATA_FREE DESC LIMIT 20`

// threadIdentitySQL is docs/sql.md §6 step 2, with a LEFT JOIN so a session without a
// transaction is still found (its trx fields are NULL).
const threadIdentitySQL = `SELECT p.ID AS id, p.USER AS user, p.HOST AS host, p.COMMAND AS command,
  t.trx_id, t.trx_started, t.trx_state, t.trx_rows_modified
FROM information_schema.PROCESSLIST p
LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
WHERE p.ID = ?`
