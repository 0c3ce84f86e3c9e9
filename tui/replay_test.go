package tui

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/tui/internal/fixture"
)

// fakeReplay is a replay source with controls that only record calls.
type fakeReplay struct {
	fakeSource
	paused, ended bool
	steps, nexts  int
	at            time.Duration
}

func (f *fakeReplay) Pause()       { f.paused = true }
func (f *fakeReplay) Resume()      { f.paused = false }
func (f *fakeReplay) Paused() bool { return f.paused }
func (f *fakeReplay) Step()        { f.steps++; f.at += 5 * time.Second }
func (f *fakeReplay) NextEvent()   { f.nexts++; f.at = 4 * time.Minute }
func (f *fakeReplay) Ended() bool  { return f.ended }
func (f *fakeReplay) Position() (time.Duration, time.Duration) {
	return f.at, 10 * time.Minute
}

func TestReplayControls(t *testing.T) {
	src := &fakeReplay{at: 3*time.Minute + 12*time.Second}
	m := New(Options{Config: fixture.Config(), Scheduler: src, Mode: Replay, Now: (&fixture.Clock{T: fixture.T0}).Now})
	m = update(t, m, snapshotMsg(fixture.Snapshot(fixture.T0, 1, false)))
	assert.Contains(t, m.View(), "▶ 00:03:12 / 00:10:00", "position and length in the header")

	tests := []struct {
		key  string
		want string
	}{
		{" ", "⏸ paused 00:03:12 / 00:10:00"},
		{".", "⏸ paused 00:03:17 / 00:10:00"},
		{">", "⏸ paused 00:04:00 / 00:10:00"},
		{" ", "▶ 00:04:00 / 00:10:00"},
	}
	for _, tt := range tests {
		m, _ = press(t, m, tt.key)
		assert.Contains(t, m.View(), tt.want, "after %q", tt.key)
	}
	assert.Equal(t, 1, src.steps)
	assert.Equal(t, 1, src.nexts)

	src.ended = true
	m = update(t, m, tickMsg(fixture.T0))
	assert.Contains(t, m.View(), "■ end of recording 00:10:00")

	m, _ = press(t, m, "?")
	assert.Contains(t, m.View(), "replay: pause / resume", "the help lists the replay keys in replay")
}

func TestReplayKeysOnlyInReplay(t *testing.T) {
	m, _ := fixtureModel(t, fixture.Config(), Live, 80, 24)
	m, _ = press(t, m, "?")
	assert.NotContains(t, m.View(), "replay: pause")
}
