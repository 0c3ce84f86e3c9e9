package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/incident"
)

// reportWrittenMsg is the outcome of an export ("e").
type reportWrittenMsg struct {
	path string
	err  error
}

// export answers "e": the incident report as of now, written in a command
// to the report directory. The report is composed here, from the state the
// screen shows; only the writing is I/O.
func (m *Model) export() tea.Cmd {
	if m.ctx.Viewer() { // the file would land on the server, out of the viewer's reach
		m.setStatus("viewer: reports are written on the server; an operator key exports them")
		return nil
	}
	now := m.ctx.Now()
	cfg := m.ctx.Config
	body := incident.Report(cfg.Estate, cfg.Environment, m.ctx.State, m.ctx.Events, now)
	dir := m.reports
	m.setStatus("writing the incident report…")
	return func() tea.Msg {
		path, err := writeReport(dir, now, body)
		return reportWrittenMsg{path: path, err: err}
	}
}

// handleReportWritten shows where the report went (or why it did not) and
// notes it on the timeline.
func (m Model) handleReportWritten(msg reportWrittenMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		log.Printf("tui: report: %v", msg.err)
		m.setStatus("report not written: " + msg.err.Error())
		return m, nil
	}
	log.Printf("tui: report written to %s", msg.path)
	m.setStatus("report written: " + msg.path)
	e := incident.Event{Time: m.ctx.Now(), Kind: incident.Note, Subject: "report", Text: "incident report written: " + msg.path}
	return m, m.recordEvent(e, true)
}

// writeReport writes body to dir/report-YYYYmmdd-HHMMSS.md (dir "" is the
// state directory, safety.StateDir), creating dir 0700 and the file 0600. It never overwrites: a
// second report within the same second gets a -2, -3 … suffix.
func writeReport(dir string, now time.Time, body string) (string, error) {
	if dir == "" {
		d, err := safety.StateDir()
		if err != nil {
			return "", fmt.Errorf("no report directory: %w", err)
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create report directory: %w", err)
	}
	base := filepath.Join(dir, "report-"+now.Format("20060102-150405"))
	for n := 1; n <= 100; n++ {
		path := base + ".md"
		if n > 1 {
			path = fmt.Sprintf("%s-%d.md", base, n)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("write report: %w", err)
		}
		_, werr := f.WriteString(body)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", fmt.Errorf("write report %s: %w", path, werr)
		}
		return path, nil
	}
	return "", fmt.Errorf("write report: %s.md and 99 numbered ones exist", base)
}
