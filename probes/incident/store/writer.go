package store

import (
	"database/sql"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// queueLen bounds the entries waiting to be written: a tracker never waits
// for the disk, and a disk that stalls costs records, not the screen.
const queueLen = 4096

// preIncident bounds the events kept while the estate is green, which open
// the next incident's timeline (a fault injected, an action, a check
// changing before the grade does).
const preIncident = 50

// writer owns the open incident's row. Every write runs on its goroutine,
// in the order the tracker journaled; state below is touched nowhere else.
type writer struct {
	s    *Store
	ops  chan func()
	done chan struct{}
	// mu guards closed: nothing is sent on ops once it is closed (a
	// tracker may outlive its store by a moment).
	mu     sync.Mutex
	closed bool

	cur        int64 // the open incident; 0: none
	worst      incident.Grade
	greenSince time.Time
	notOK      string // JSON of the last stored not-ok ids
	buf        []incident.Event
}

func newWriter(s *Store) *writer {
	w := &writer{s: s, ops: make(chan func(), queueLen), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *writer) run() {
	defer close(w.done)
	for op := range w.ops {
		op()
	}
}

// send queues op without waiting; false when the queue is full.
func (w *writer) send(op func()) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return true // the store is closed: nothing more is kept, and nothing is lost to a full queue
	}
	select {
	case w.ops <- op:
		return true
	default:
		return false
	}
}

// do runs f on the writer's goroutine and waits for it (not at all once
// the store is closed).
func (w *writer) do(f func()) {
	ran := make(chan struct{})
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.ops <- func() { f(); close(ran) } // may wait for room: only Flush and Tracker call do
	w.mu.Unlock()
	<-ran
}

func (w *writer) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.ops)
	w.mu.Unlock()
	<-w.done
}

// Journal queues a tracker's entry for writing (incident.Journal). It never
// blocks: when the queue is full the entry is counted as lost (Notice).
func (s *Store) Journal(e incident.Entry) {
	if s.w == nil {
		return
	}
	if !s.w.send(func() { s.w.apply(e) }) {
		s.mu.Lock()
		s.dropped++
		s.mu.Unlock()
	}
}

// Flush waits until every entry journaled so far is written (or failed).
func (s *Store) Flush() {
	if s.w != nil {
		s.w.do(func() {})
	}
}

func (w *writer) apply(e incident.Entry) {
	var err error
	switch e.Kind {
	case incident.EntryEvent:
		err = w.event(e.Event)
	case incident.EntryGrade:
		err = w.grade(e)
	case incident.EntryRound:
		err = w.round(e)
	case incident.EntryOverride:
		err = w.override(e)
	}
	if err != nil {
		w.s.writeFailed(err)
	}
}

func (w *writer) event(ev incident.Event) error {
	if w.cur == 0 {
		w.buf = append(w.buf, ev)
		if len(w.buf) > preIncident {
			w.buf = w.buf[len(w.buf)-preIncident:]
		}
		return nil
	}
	return insertEvent(w.s.db, w.cur, ev)
}

type execer interface {
	Exec(query string, args ...any) (sql.Result, error)
}

func insertEvent(db execer, id int64, ev incident.Event) error {
	_, err := db.Exec(`INSERT INTO events(incident, time, kind, subject, text, audit_id) VALUES (?, ?, ?, ?, ?, ?)`,
		id, ev.Time.UnixNano(), string(ev.Kind), ev.Subject, ev.Text, ev.AuditID)
	return err
}

// grade opens the incident at its first grade away from green, and keeps
// every change with its diagnosis; the worst grade's root cause and report
// are the incident's.
func (w *writer) grade(e incident.Entry) error {
	st := e.State
	if w.cur == 0 && st.Grade == incident.Green {
		return nil
	}
	tx, err := w.s.db.Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	opened := false
	if w.cur == 0 {
		started := st.Started
		if started.IsZero() {
			started = e.Time
		}
		res, err := tx.Exec(`INSERT INTO incidents(estate, environment, started, grade, worst) VALUES (?, ?, ?, ?, ?)`,
			w.s.opts.Estate, w.s.opts.Environment, started.UnixNano(), int(st.Grade), int(st.Grade))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for _, ev := range w.buf {
			if err := insertEvent(tx, id, ev); err != nil {
				return err
			}
		}
		opened, w.cur, w.worst = true, id, incident.Green
	}
	diag, err := json.Marshal(st.Diagnosis)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO grades(incident, time, grade, reason, diagnosis) VALUES (?, ?, ?, ?, ?)`,
		w.cur, e.Time.UnixNano(), int(st.Grade), st.Reason, string(diag)); err != nil {
		return err
	}
	greenSince := time.Time{}
	if st.Grade == incident.Green {
		greenSince = e.Time
		if _, err := tx.Exec(`DELETE FROM overrides WHERE incident = ?`, w.cur); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(`UPDATE incidents SET grade = ?, clock_started = ?, green_since = ? WHERE id = ?`,
		int(st.Grade), nanos(st.Started), nanos(greenSince), w.cur); err != nil {
		return err
	}
	worse := st.Grade > w.worst
	if worse {
		cause, comp, summary := "", "", st.Reason
		if top := st.Diagnosis.Top(); top != nil {
			cause, comp, summary = top.CheckID, top.Component, top.Summary
		}
		report := incident.Report(w.s.opts.Estate, w.s.opts.Environment, st, e.Timeline, e.Time)
		if _, err := tx.Exec(`UPDATE incidents SET worst = ?, root_cause = ?, root_component = ?, root_summary = ?, worst_report = ? WHERE id = ?`,
			int(st.Grade), cause, comp, summary, report, w.cur); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		if opened {
			w.cur = 0 // nothing of it was written: the next grade change opens it again
		}
		return err
	}
	if opened {
		w.buf = nil
	}
	if worse {
		w.worst = st.Grade
	}
	w.greenSince = greenSince
	return nil
}

// round keeps the checks that are not ok (a resumed tracker waits for them)
// and closes the incident once the estate has been green for CloseAfter.
func (w *writer) round(e incident.Entry) error {
	if w.cur == 0 {
		return nil
	}
	ids := notOK(e.State.Results)
	b, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	if string(b) != w.notOK {
		if _, err := w.s.db.Exec(`UPDATE incidents SET not_ok = ? WHERE id = ?`, string(b), w.cur); err != nil {
			return err
		}
		w.notOK = string(b)
	}
	if e.State.Grade != incident.Green || w.greenSince.IsZero() || e.Time.Sub(w.greenSince) < w.s.opts.CloseAfter {
		return nil
	}
	return w.closeIncident(e.Time)
}

func notOK(rs []probes.Result) []string {
	ids := []string{}
	for _, r := range rs {
		if r.Status != probes.OK && !r.Warmup {
			ids = append(ids, r.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// closeIncident ends the open incident: recovered when it went green, its
// fix the last action before that, its report kept.
func (w *writer) closeIncident(now time.Time) error {
	inc, err := w.s.incident(w.cur)
	if err != nil {
		return err
	}
	inc.Recovered, inc.Closed = w.greenSince, now
	events, err := w.s.events(w.cur)
	if err != nil {
		return err
	}
	fix := ""
	for _, ev := range events {
		if ev.Kind == incident.ActionTaken && !ev.Time.After(w.greenSince) {
			fix = ev.Text
		}
	}
	inc.Fix, inc.Actions = fix, actions(events)
	var worstReport string
	if err := w.s.db.QueryRow(`SELECT worst_report FROM incidents WHERE id = ?`, w.cur).Scan(&worstReport); err != nil {
		return err
	}
	grades, err := w.s.grades(w.cur)
	if err != nil {
		return err
	}
	report := closedReport(inc, worstReport, events, grades)
	if _, err := w.s.db.Exec(`UPDATE incidents SET recovered = ?, closed = ?, fix = ?, report = ?, green_since = NULL WHERE id = ?`,
		w.greenSince.UnixNano(), now.UnixNano(), fix, report, w.cur); err != nil {
		return err
	}
	w.s.addPast(inc.past())
	w.cur, w.worst, w.greenSince, w.notOK = 0, incident.Green, time.Time{}, ""
	return nil
}

func (w *writer) override(e incident.Entry) error {
	if w.cur == 0 {
		return nil
	}
	if e.Cleared {
		_, err := w.s.db.Exec(`DELETE FROM overrides WHERE incident = ? AND step = ?`, w.cur, e.Step)
		return err
	}
	_, err := w.s.db.Exec(`INSERT INTO overrides(incident, step, yes) VALUES (?, ?, ?)
		ON CONFLICT(incident, step) DO UPDATE SET yes = excluded.yes`, w.cur, e.Step, e.Yes)
	return err
}
