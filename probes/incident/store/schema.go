package store

import (
	"database/sql"
	"fmt"
	"time"
)

// schemaVersion is PRAGMA user_version of a store this code writes.
const schemaVersion = 1

// Times are Unix nanoseconds (UTC); a NULL time is "not yet".
const schema = `
CREATE TABLE IF NOT EXISTS incidents (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	estate         TEXT NOT NULL,
	environment    TEXT NOT NULL DEFAULT '',
	started        INTEGER NOT NULL,
	grade          INTEGER NOT NULL,  -- now (incident.Grade)
	worst          INTEGER NOT NULL,
	clock_started  INTEGER,           -- the SLA clock's start; NULL while green
	green_since    INTEGER,           -- NULL unless green, waiting to close
	recovered      INTEGER,           -- when it went green for good
	closed         INTEGER,           -- NULL: the open incident
	root_cause     TEXT NOT NULL DEFAULT '',  -- check id of the top cause at the worst grade
	root_component TEXT NOT NULL DEFAULT '',
	root_summary   TEXT NOT NULL DEFAULT '',
	not_ok         TEXT NOT NULL DEFAULT '[]', -- JSON: check ids not ok at the last update
	worst_report   TEXT NOT NULL DEFAULT '',   -- the Markdown report when the worst grade began
	report         TEXT NOT NULL DEFAULT '',   -- the report kept when it closed
	fix            TEXT NOT NULL DEFAULT ''    -- the last action before recovery
);
CREATE INDEX IF NOT EXISTS incidents_estate ON incidents(estate, environment, closed);
CREATE TABLE IF NOT EXISTS events (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	incident INTEGER NOT NULL REFERENCES incidents(id),
	time     INTEGER NOT NULL,
	kind     TEXT NOT NULL,
	subject  TEXT NOT NULL DEFAULT '',
	text     TEXT NOT NULL DEFAULT '',
	audit_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_incident ON events(incident, id);
CREATE TABLE IF NOT EXISTS grades (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	incident  INTEGER NOT NULL REFERENCES incidents(id),
	time      INTEGER NOT NULL,
	grade     INTEGER NOT NULL,
	reason    TEXT NOT NULL DEFAULT '',
	diagnosis TEXT NOT NULL DEFAULT '{}'  -- JSON: incident.Diagnosis at the change
);
CREATE TABLE IF NOT EXISTS overrides (
	incident INTEGER NOT NULL REFERENCES incidents(id),
	step     TEXT NOT NULL,
	yes      INTEGER NOT NULL,
	PRIMARY KEY (incident, step)
);
`

// migrate creates the tables of a new store and refuses a newer one.
func migrate(db *sql.DB) error {
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > schemaVersion {
		return fmt.Errorf("the store is of a newer triage (schema %d, this one knows %d)", v, schemaVersion)
	}
	if _, err := db.Exec(schema); err != nil {
		return err
	}
	_, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
	return err
}

// nanos is t as stored; the zero time is NULL.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNanos reads a stored time; NULL is the zero time.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64)
}
