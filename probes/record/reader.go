package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
)

// FormatError is a recording that cannot be read: where and why.
type FormatError struct {
	Name string // the file
	Line int    // 1-based; 0 when the file as a whole is at fault
	Msg  string
}

// Error is "FILE:LINE: why".
func (e *FormatError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Name, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
}

// Session is a recording read back and checked: every frame applies, so
// replaying it cannot fail halfway.
type Session struct {
	Name   string
	Header Header
	items  []item
}

// item is one frame or event, in file order.
type item struct {
	line  int
	time  time.Time
	frame *frameLine
	event *incident.Event
}

// Start is the earliest time recorded (an event may carry a time a little
// before the frame it was written after).
func (s *Session) Start() time.Time {
	t := s.items[0].time
	for _, it := range s.items {
		if it.time.Before(t) {
			t = it.time
		}
	}
	return t
}

// End is the latest time recorded.
func (s *Session) End() time.Time {
	t := s.items[0].time
	for _, it := range s.items {
		if it.time.After(t) {
			t = it.time
		}
	}
	return t
}

// Frames is how many frames the session holds.
func (s *Session) Frames() int {
	n := 0
	for _, it := range s.items {
		if it.frame != nil {
			n++
		}
	}
	return n
}

// Open reads and checks the recording at path.
func Open(path string) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads and checks a recording; name is used in errors. A line that is
// not complete JSON of a known type, a last line without its newline (the
// recording was cut short) or a frame that does not apply is a
// *FormatError naming the line.
func Read(r io.Reader, name string) (*Session, error) {
	br := bufio.NewReader(r)
	s := &Session{Name: name}
	bad := func(line int, format string, a ...any) error {
		return &FormatError{Name: name, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	st := (*state)(nil)
	frames := 0
	var lastFrame time.Time
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) && len(b) == 0 {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("replay: read %s: %w", name, err)
		}
		if errors.Is(err, io.EOF) {
			return nil, bad(n, "truncated: the last line has no newline (the recording was cut short)")
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			return nil, bad(n, "empty line")
		}
		var any anyLine
		if err := json.Unmarshal(b, &any); err != nil {
			return nil, bad(n, "garbled line: %v", err)
		}
		if n == 1 {
			if any.Type != typeHeader {
				return nil, bad(n, "not a triage recording: the first line is not a header")
			}
			if err := json.Unmarshal(b, &s.Header); err != nil {
				return nil, bad(n, "garbled header: %v", err)
			}
			if s.Header.Version != Version {
				return nil, bad(n, "recording format version %d; this triage reads version %d", s.Header.Version, Version)
			}
			st = newState(s.Header.HistoryLen)
			continue
		}
		switch any.Type {
		case typeFrame:
			f := &frameLine{}
			if err := json.Unmarshal(b, f); err != nil {
				return nil, bad(n, "garbled frame: %v", err)
			}
			if frames == 0 && !f.Key {
				return nil, bad(n, "the first frame is not a keyframe")
			}
			if frames > 0 && f.Time.Before(lastFrame) {
				return nil, bad(n, "frame %d is older (%s) than the frame before it (%s)", f.Seq,
					f.Time.Format(time.RFC3339), lastFrame.Format(time.RFC3339))
			}
			lastFrame = f.Time
			frames++
			if err := st.apply(f); err != nil {
				return nil, bad(n, "frame %d: %v", f.Seq, err)
			}
			s.items = append(s.items, item{line: n, time: f.Time, frame: f})
		case typeEvent:
			var e eventLine
			if err := json.Unmarshal(b, &e); err != nil {
				return nil, bad(n, "garbled event: %v", err)
			}
			ev := e.Event
			s.items = append(s.items, item{line: n, time: ev.Time, event: &ev})
		case typeHeader:
			return nil, bad(n, "a second header: two recordings in one file")
		default:
			return nil, bad(n, "unknown line type %q", any.Type)
		}
	}
	switch {
	case st == nil:
		return nil, &FormatError{Name: name, Msg: "empty file: not a triage recording"}
	case frames == 0:
		return nil, &FormatError{Name: name, Msg: "no snapshot was recorded"}
	}
	return s, nil
}

// Config is the recorded estate as a config the screen can draw: names,
// core, knowledge and which actions exist, no probe keys.
func (s *Session) Config() *config.Config {
	h := s.Header
	cfg := &config.Config{Estate: h.Config.Estate, Environment: h.Config.Environment, Core: h.Config.Core,
		Source: fmt.Sprintf("replay of %s (recorded from %s)", s.Name, h.ConfigSource)}
	for _, c := range h.Config.Components {
		cc := config.Component{Name: c.Name, Knowledge: config.Knowledge{DependsOn: c.Knowledge.DependsOn}}
		for _, a := range c.Knowledge.Advice {
			cc.Knowledge.Advice = append(cc.Knowledge.Advice, config.Advice(a))
		}
		for _, i := range c.Knowledge.Incidents {
			cc.Knowledge.Incidents = append(cc.Knowledge.Incidents, config.Incident(i))
		}
		for _, p := range c.Probes {
			cc.Probes = append(cc.Probes, probes.Spec{Kind: p.Kind, ID: p.ID, Component: c.Name})
		}
		for _, a := range c.Actions {
			_ = cc.Actions.Enable(a) // a section this version does not know enables nothing
		}
		if sw := cc.Actions.Switchover; sw != nil {
			sw.Standby = c.Standby
		}
		cfg.Components = append(cfg.Components, cc)
	}
	return cfg
}
