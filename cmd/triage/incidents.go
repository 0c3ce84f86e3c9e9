package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/incident/store"
	"github.com/fivelayer/triage/tui"
)

// incidentStore is the incident store opened for one estate, with the
// tracker that continues its open incident: what the screen, `triage
// serve` and the lab share (docs/incidents.md).
type incidentStore struct {
	Tracker *incident.Tracker
	Store   *store.Store // nil when no store could be opened (Warning says why)
	Warning string       // "" when the store opened as its writer with nothing to say
}

// Close writes what is queued and releases the store.
func (s incidentStore) Close() {
	if s.Store != nil {
		_ = s.Store.Close()
	}
}

// openIncidentStore opens the incident store of cfg's estate (the state
// directory's incidents.db) and returns the tracker that continues the
// estate's open incident. It never fails: without a usable store the
// tracker is fresh and Warning says why; another process writing the store
// makes this one a reader, a corrupt file is moved aside (Warning, and the
// store's Notice, say so).
func openIncidentStore(cfg *config.Config) incidentStore {
	topo := cfg.Topology()
	path, err := store.DefaultPath()
	if err != nil {
		return incidentStore{Tracker: incident.NewTracker(topo), Warning: "incident store unavailable: " + err.Error()}
	}
	st, err := store.Open(path, store.Options{Estate: cfg.Estate, Environment: cfg.Environment,
		CloseAfter: cfg.Incident.CloseAfterD()})
	if err != nil {
		return incidentStore{Tracker: incident.NewTracker(topo), Warning: err.Error()}
	}
	// The failing checks of a resumed incident have three rounds to answer
	// before its grade may fall: a first round still running is no recovery.
	now := time.Now()
	tr, err := st.Tracker(topo, now, 3*cfg.IntervalD()+cfg.TimeoutD())
	w := st.Notice()
	if err != nil {
		w = strings.TrimPrefix(w+" · ", " · ") + "incident store: could not resume: " + err.Error()
	}
	return incidentStore{Tracker: tr, Store: st, Warning: w}
}

func newIncidentsCmd() *cobra.Command {
	var format string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "incidents [show ID]",
		Short: "The incidents of the incident store: the open ones first, then past ones; show ID prints one's report",
		Long: `List the incidents kept in the incident store ($XDG_STATE_HOME/triage/incidents.db,
else ~/.local/state/triage/incidents.db): the open incident of each estate first,
marked open, then the closed ones, newest first, with their estate, start,
end, worst grade, root cause, time to recover and actions.

  triage incidents [--format text|json]
  triage incidents show ID      the incident's Markdown report

Reading never disturbs a triage that is writing the store.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if jsonOut {
				format = "json"
			}
			if format != "text" && format != "json" {
				return &exitError{3, fmt.Errorf("--format %q: want text or json", format)}
			}
			path, err := store.DefaultPath()
			if err != nil {
				return &exitError{3, err}
			}
			switch {
			case len(args) == 0:
				return listIncidents(cmd.OutOrStdout(), path, format)
			case len(args) == 2 && args[0] == "show":
				id, err := strconv.ParseInt(args[1], 10, 64)
				if err != nil || id <= 0 {
					return &exitError{3, fmt.Errorf("show %q: want an incident id from `triage incidents`", args[1])}
				}
				return showIncident(cmd.OutOrStdout(), path, id)
			}
			return &exitError{3, fmt.Errorf("usage: triage incidents [show ID]")}
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "the same as --format json")
	return cmd
}

func listIncidents(w io.Writer, path, format string) error {
	var list []store.Incident
	st, err := store.OpenReader(path)
	switch {
	case errors.Is(err, store.ErrNoStore):
	case err != nil:
		return &exitError{3, err}
	default:
		defer st.Close()
		if list, err = st.List(); err != nil {
			return &exitError{3, fmt.Errorf("incident store %s: %w", path, err)}
		}
	}
	if format == "json" {
		return writeIncidentsJSON(w, list)
	}
	if len(list) == 0 {
		fmt.Fprintf(w, "no incidents stored (%s)\n", path)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tESTATE\tSTART\tEND\tWORST\tROOT CAUSE\tRECOVERED IN\tACTIONS")
	for _, in := range list {
		state, end, ttr := "open", "—", "—"
		if !in.Open() {
			state, end, ttr = "closed", in.Recovered.Local().Format(listTime), store.Clock(in.TimeToRecover())
		} else {
			state = "OPEN (" + in.Grade.String() + ")"
		}
		cause := "—"
		if in.RootCause != "" {
			cause = in.RootCause
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, state, cellText(in.Estate), in.Started.Local().Format(listTime),
			end, in.Worst, cellText(cause), ttr, actionsCell(in.Actions))
	}
	return tw.Flush()
}

// listTime is how the list writes a moment (local time, as the screen does).
const listTime = "2006-01-02 15:04"

func cellText(s string) string {
	return strings.NewReplacer("\t", " ").Replace(safety.Sanitize(s))
}

// actionsCell is how many actions were taken and the last one.
func actionsCell(acts []incident.Event) string {
	if len(acts) == 0 {
		return "none"
	}
	last := acts[len(acts)-1].Text
	if r := []rune(last); len(r) > 60 {
		last = string(r[:59]) + "…"
	}
	return fmt.Sprintf("%d, last: %s", len(acts), cellText(last))
}

// incidentJSON is one incident in `triage incidents --format json`.
type incidentJSON struct {
	ID             int64        `json:"id"`
	Open           bool         `json:"open"`
	Estate         string       `json:"estate"`
	Environment    string       `json:"environment"`
	Start          time.Time    `json:"start"`
	End            *time.Time   `json:"end"`
	Closed         *time.Time   `json:"closed"`
	Grade          string       `json:"grade"`
	WorstGrade     string       `json:"worst_grade"`
	RootCause      *rootJSON    `json:"root_cause"`
	RecoverSeconds *float64     `json:"time_to_recover_seconds"`
	FixedBy        string       `json:"fixed_by"`
	Actions        []actionJSON `json:"actions"`
}

type rootJSON struct {
	CheckID   string `json:"check_id"`
	Component string `json:"component"`
	Summary   string `json:"summary"`
}

type actionJSON struct {
	Time      time.Time `json:"time"`
	Component string    `json:"component"`
	Text      string    `json:"text"`
	AuditID   string    `json:"audit_id"`
}

func writeIncidentsJSON(w io.Writer, list []store.Incident) error {
	out := struct {
		Incidents []incidentJSON `json:"incidents"`
	}{Incidents: []incidentJSON{}}
	for _, in := range list {
		j := incidentJSON{ID: in.ID, Open: in.Open(), Estate: safety.Sanitize(in.Estate), Environment: safety.Sanitize(in.Environment),
			Start: in.Started.UTC(), Grade: in.Grade.String(), WorstGrade: in.Worst.String(), FixedBy: safety.Sanitize(in.Fix),
			Actions: []actionJSON{}}
		if !in.Open() {
			end, closed, secs := in.Recovered.UTC(), in.Closed.UTC(), in.TimeToRecover().Seconds()
			j.End, j.Closed, j.RecoverSeconds = &end, &closed, &secs
		}
		if in.RootCause != "" {
			j.RootCause = &rootJSON{CheckID: safety.Sanitize(in.RootCause), Component: safety.Sanitize(in.RootComponent),
				Summary: safety.Sanitize(in.RootSummary)}
		}
		for _, a := range in.Actions {
			j.Actions = append(j.Actions, actionJSON{Time: a.Time.UTC(), Component: safety.Sanitize(a.Subject),
				Text: safety.Sanitize(a.Text), AuditID: safety.Sanitize(a.AuditID)})
		}
		out.Incidents = append(out.Incidents, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func showIncident(w io.Writer, path string, id int64) error {
	st, err := store.OpenReader(path)
	if err != nil {
		return &exitError{3, err}
	}
	defer st.Close()
	report, err := st.Report(id)
	if err != nil {
		return &exitError{3, err}
	}
	_, err = io.WriteString(w, report)
	return err
}

// storeWarning prints the store's warning for commands without a screen.
func storeWarning(s incidentStore) {
	if s.Warning != "" {
		fmt.Fprintln(os.Stderr, "triage:", s.Warning)
	}
}

// watchStore prints the store's notice whenever it changes (a write
// failing), for commands without a header to show it in.
func watchStore(ctx context.Context, s incidentStore, every time.Duration) {
	if s.Store == nil {
		return
	}
	last := s.Store.Notice()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n := s.Store.Notice(); n != last {
				last = n
				fmt.Fprintln(os.Stderr, "triage:", n)
			}
		}
	}
}

// screen is what the screen reads of the store; without a store, the
// reason there is none stands in the header.
func (s incidentStore) screen() tui.IncidentStore {
	if s.Store != nil {
		return s.Store
	}
	return noStore(s.Warning)
}

// noStore is the header's notice when no store could be opened.
type noStore string

// Notice is why there is no store.
func (n noStore) Notice() string { return string(n) }

// SeenBefore knows nothing without a store.
func (noStore) SeenBefore(string) []incident.Past { return nil }
