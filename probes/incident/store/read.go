package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/fivelayer/triage/probes/incident"
)

// Incident is one stored incident, as `triage incidents` lists it.
type Incident struct {
	ID          int64
	Estate      string
	Environment string
	Started     time.Time
	Grade       incident.Grade // now (the open one) or when it closed (green)
	Worst       incident.Grade
	// RootCause is the top root cause's check id when the worst grade
	// began ("" when the grade had none), with its component and summary.
	RootCause, RootComponent, RootSummary string
	// Recovered is when the estate went green for good, Closed when the
	// incident closed (CloseAfter later); both zero while it is open.
	Recovered, Closed time.Time
	// Fix is the last action taken before recovery ("" when none was).
	Fix     string
	Actions []incident.Event
}

// Open reports that the incident has not closed.
func (i Incident) Open() bool { return i.Closed.IsZero() }

// TimeToRecover is from the start to recovery; 0 while open.
func (i Incident) TimeToRecover() time.Duration {
	if i.Recovered.IsZero() {
		return 0
	}
	return i.Recovered.Sub(i.Started)
}

func (i Incident) past() incident.Past {
	return incident.Past{ID: i.ID, Started: i.Started, Recovered: i.Recovered, Worst: i.Worst,
		CheckID: i.RootCause, Summary: i.RootSummary, Fix: i.Fix, Actions: len(i.Actions)}
}

// OpenReader opens a store to read it (`triage incidents`), whoever writes
// it: no lock, no writes. ErrNoStore when the file does not exist.
func OpenReader(path string) (*Store, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoStore, path)
	}
	db, err := openDB(path, true)
	if err != nil {
		if db != nil {
			_ = db.Close()
		}
		return nil, fmt.Errorf("incident store %s: %w", path, err)
	}
	return &Store{path: path, db: db, ro: true}, nil
}

const incidentCols = `id, estate, environment, started, grade, worst, root_cause, root_component, root_summary, recovered, closed, fix`

func scanIncident(row interface{ Scan(...any) error }) (Incident, error) {
	var i Incident
	var started int64
	var grade, worst int
	var rec, closed sql.NullInt64
	err := row.Scan(&i.ID, &i.Estate, &i.Environment, &started, &grade, &worst, &i.RootCause, &i.RootComponent,
		&i.RootSummary, &rec, &closed, &i.Fix)
	i.Started, i.Grade, i.Worst = time.Unix(0, started), incident.Grade(grade), incident.Grade(worst)
	i.Recovered, i.Closed = fromNanos(rec), fromNanos(closed)
	return i, err
}

// List is every incident of the store, every estate: the open ones first,
// then the closed ones, newest first; each with its actions.
func (s *Store) List() ([]Incident, error) {
	rows, err := s.db.Query(`SELECT ` + incidentCols + ` FROM incidents ORDER BY closed IS NOT NULL, started DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	var out []Incident
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			_ = rows.Close()
			return nil, err
		}
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_ = rows.Close()
	for k := range out {
		evs, err := s.events(out[k].ID)
		if err != nil {
			return nil, err
		}
		out[k].Actions = actions(evs)
	}
	return out, nil
}

func actions(evs []incident.Event) []incident.Event {
	var out []incident.Event
	for _, e := range evs {
		if e.Kind == incident.ActionTaken {
			out = append(out, e)
		}
	}
	return out
}

// Get is one incident by id, with its actions.
func (s *Store) Get(id int64) (Incident, error) {
	i, err := s.incident(id)
	if err != nil {
		return i, err
	}
	evs, err := s.events(id)
	i.Actions = actions(evs)
	return i, err
}

func (s *Store) incident(id int64) (Incident, error) {
	i, err := scanIncident(s.db.QueryRow(`SELECT `+incidentCols+` FROM incidents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return i, fmt.Errorf("no incident %d in %s", id, s.path)
	}
	return i, err
}

// Report is the Markdown report of an incident: the one kept when it
// closed, or for the open one the report as of its worst grade with the
// timeline so far.
func (s *Store) Report(id int64) (string, error) {
	i, err := s.incident(id)
	if err != nil {
		return "", err
	}
	var report, worst string
	if err := s.db.QueryRow(`SELECT report, worst_report FROM incidents WHERE id = ?`, id).Scan(&report, &worst); err != nil {
		return "", err
	}
	if report != "" {
		return report, nil
	}
	evs, err := s.events(id)
	if err != nil {
		return "", err
	}
	grades, err := s.grades(id)
	if err != nil {
		return "", err
	}
	return closedReport(i, worst, evs, grades), nil
}

// gradeChange is a stored grade change with the diagnosis of its moment.
type gradeChange struct {
	Time      time.Time
	Grade     incident.Grade
	Reason    string
	Diagnosis storedDiagnosis
}

// storedDiagnosis is what a report reads back of a stored
// incident.Diagnosis (its JSON, as `triage check` writes it): the root
// causes, their status, summary and chain.
type storedDiagnosis struct {
	RootCauses []struct {
		CheckID string   `json:"check_id"`
		Status  string   `json:"status"`
		Summary string   `json:"summary"`
		Chain   []string `json:"chain"`
	} `json:"root_causes"`
}

func (s *Store) grades(id int64) ([]gradeChange, error) {
	rows, err := s.db.Query(`SELECT time, grade, reason, diagnosis FROM grades WHERE incident = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []gradeChange
	for rows.Next() {
		var g gradeChange
		var t int64
		var grade int
		var diag string
		if err := rows.Scan(&t, &grade, &g.Reason, &diag); err != nil {
			return nil, err
		}
		g.Time, g.Grade = time.Unix(0, t), incident.Grade(grade)
		if err := json.Unmarshal([]byte(diag), &g.Diagnosis); err != nil {
			return nil, fmt.Errorf("incident %d: a grade change's diagnosis: %w", id, err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (s *Store) events(id int64) ([]incident.Event, error) {
	rows, err := s.db.Query(`SELECT time, kind, subject, text, audit_id FROM events WHERE incident = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []incident.Event
	for rows.Next() {
		var e incident.Event
		var t int64
		var kind string
		if err := rows.Scan(&t, &kind, &e.Subject, &e.Text, &e.AuditID); err != nil {
			return nil, err
		}
		e.Time, e.Kind = time.Unix(0, t), incident.EventKind(kind)
		out = append(out, e)
	}
	return out, rows.Err()
}

// loadPast reads the estate's closed incidents for SeenBefore.
func (s *Store) loadPast() error {
	rows, err := s.db.Query(`SELECT `+incidentCols+` FROM incidents WHERE estate = ? AND environment = ? AND closed IS NOT NULL`,
		s.opts.Estate, s.opts.Environment)
	if err != nil {
		return err
	}
	var all []Incident
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			_ = rows.Close()
			return err
		}
		all = append(all, i)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_ = rows.Close()
	for _, i := range all {
		evs, err := s.events(i.ID)
		if err != nil {
			return err
		}
		i.Actions = actions(evs)
		s.addPast(i.past())
	}
	return nil
}

func (s *Store) addPast(p incident.Past) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.past = append(s.past, p)
	sort.SliceStable(s.past, func(a, b int) bool { return s.past[a].Started.After(s.past[b].Started) })
}

// SeenBefore returns the estate's closed incidents whose root cause was
// checkID, newest first: the drill-down's "seen before". It reads memory
// only, so a screen may call it while drawing.
func (s *Store) SeenBefore(checkID string) []incident.Past {
	if s == nil || checkID == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []incident.Past
	for _, p := range s.past {
		if p.CheckID == checkID {
			out = append(out, p)
		}
	}
	return out
}

// Tracker returns a tracker for topo that continues the estate's open
// incident, if there is one: its grade, the SLA clock from its real start,
// the timeline and the operator's guide answers. A writer's tracker
// journals to the store from then on; a read-only store's does not. The
// resumed grade is held until the checks that were failing are probed
// again, or until await has passed (say, three rounds).
func (s *Store) Tracker(topo *incident.Topology, now time.Time, await time.Duration) (*incident.Tracker, error) {
	t := incident.NewTracker(topo)
	if s == nil || s.db == nil {
		return t, nil
	}
	r, id, err := s.resumed(now.Add(await))
	if err != nil {
		return t, err
	}
	if id != 0 {
		t.Resume(r)
	}
	if s.w == nil {
		return t, nil
	}
	if id != 0 {
		var worst, grade int
		var green sql.NullInt64
		var notOK string
		if err := s.db.QueryRow(`SELECT worst, grade, green_since, not_ok FROM incidents WHERE id = ?`, id).Scan(&worst, &grade, &green, &notOK); err != nil {
			return t, err
		}
		s.w.do(func() {
			s.w.cur, s.w.worst, s.w.greenSince, s.w.notOK = id, incident.Grade(worst), fromNanos(green), notOK
		})
	}
	t.SetJournal(s)
	if id != 0 {
		inc, err := s.incident(id)
		if err != nil {
			return t, err
		}
		t.Record(incident.Event{Time: now, Kind: incident.Note, Subject: "triage",
			Text: fmt.Sprintf("triage restarted: incident %d resumed from the store (grade %s, started %s)", id, r.Grade,
				inc.Started.Format(reportTime))})
	}
	return t, nil
}

// resumed reads the estate's open incident; id 0 when there is none.
func (s *Store) resumed(awaitUntil time.Time) (incident.Resumed, int64, error) {
	var r incident.Resumed
	var id int64
	var grade int
	var clock sql.NullInt64
	var notOK string
	err := s.db.QueryRow(`SELECT id, grade, clock_started, not_ok FROM incidents
		WHERE estate = ? AND environment = ? AND closed IS NULL ORDER BY id DESC LIMIT 1`,
		s.opts.Estate, s.opts.Environment).Scan(&id, &grade, &clock, &notOK)
	if errors.Is(err, sql.ErrNoRows) {
		return r, 0, nil
	}
	if err != nil {
		return r, 0, err
	}
	r.Grade, r.Started, r.AwaitUntil = incident.Grade(grade), fromNanos(clock), awaitUntil
	if err := json.Unmarshal([]byte(notOK), &r.Awaiting); err != nil {
		return r, 0, fmt.Errorf("incident %d: not_ok: %w", id, err)
	}
	if r.Timeline, err = s.events(id); err != nil {
		return r, 0, err
	}
	if len(r.Timeline) == 0 { // the first grade change is always there; a hand-edited store may lack it
		r.Timeline = []incident.Event{{Time: r.Started, Kind: incident.Note, Text: "incident resumed without its timeline"}}
	}
	rows, err := s.db.Query(`SELECT step, yes FROM overrides WHERE incident = ?`, id)
	if err != nil {
		return r, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var step string
		var yes bool
		if err := rows.Scan(&step, &yes); err != nil {
			return r, 0, err
		}
		if r.Overrides == nil {
			r.Overrides = map[string]bool{}
		}
		r.Overrides[step] = yes
	}
	return r, id, rows.Err()
}
