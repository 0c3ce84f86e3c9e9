package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/fivelayer/triage/probes/record"
	"github.com/fivelayer/triage/tui/text"
)

var _ ReplayControl = (*record.Player)(nil)

// ReplayControl is what a replay source offers beyond snapshots: the
// operator pauses, steps and jumps through the recording (the replay
// player in probes/record implements it).
type ReplayControl interface {
	Pause()
	Resume()
	Paused() bool
	Step()      // to the next recorded frame, paused there
	NextEvent() // to the next recorded event, paused there
	Position() (at, length time.Duration)
	Ended() bool
}

// initReplay takes the controls from a replay source; outside replay, or
// from a source without them, the keys are disabled and not in the help.
func (m *Model) initReplay(o Options) {
	if rc, ok := o.Scheduler.(ReplayControl); ok && o.Mode == Replay {
		m.replay = rc
		return
	}
	for _, b := range []*key.Binding{&m.ctx.Keys.ReplayPause, &m.ctx.Keys.ReplayStep, &m.ctx.Keys.ReplayNext} {
		b.SetEnabled(false)
	}
}

// handleReplayKey handles pause, step and next event; it reports false for
// the other keys.
func (m *Model) handleReplayKey(msg tea.KeyMsg) bool {
	if m.replay == nil {
		return false
	}
	k := m.ctx.Keys
	switch {
	case key.Matches(msg, k.ReplayPause):
		if m.replay.Paused() {
			m.replay.Resume()
		} else {
			m.replay.Pause()
		}
	case key.Matches(msg, k.ReplayStep):
		m.replay.Step()
	case key.Matches(msg, k.ReplayNext):
		m.replay.NextEvent()
	default:
		return false
	}
	m.rev++
	return true
}

// replayState is the header's replay position: "▶ 03:12 / 10:00",
// "⏸ paused 03:12 / 10:00" or "■ end of recording 10:00".
func (m Model) replayState() string {
	if m.replay == nil {
		return ""
	}
	at, length := m.replay.Position()
	pos := text.Clock(at) + " / " + text.Clock(length)
	switch {
	case m.replay.Ended():
		return "■ end of recording " + text.Clock(length)
	case m.replay.Paused():
		return "⏸ paused " + pos
	}
	return "▶ " + pos
}
