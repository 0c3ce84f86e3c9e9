// Command smokeapp runs the screen on the fixture estate with fake probes,
// for the tmux smoke test and for trying the screen by hand:
//
//	go run ./tui/internal/smokeapp -log /tmp/triage.log
//
// It needs no server: the probes play back the fixture (a production estate
// with a lock pile-up after two rounds) plus a gateway whose probe always
// times out, and optionally synthetic checks for load measurements.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/tui"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

func main() {
	interval := flag.Duration("interval", 2*time.Second, "time between probe rounds")
	logPath := flag.String("log", "", "log file (default: discard)")
	synthetic := flag.Int("synthetic", 0, "add this many synthetic checks")
	bare := flag.Bool("bare", false, "only the synthetic checks (no fixture estate)")
	drift := flag.Bool("drift", false, "synthetic values change every round")
	readOnly := flag.Bool("read-only", false, "start in read-only mode")
	flag.Parse()

	cfg := fixture.Config()
	var targets []probes.Target
	if !*bare {
		targets = fixture.Targets(2, 50*time.Millisecond)
		cfg.Components = append(cfg.Components, config.Component{Name: "legacy-gw"})
		targets = append(targets, probes.Target{Component: "legacy-gw", ProbeID: "tcp", Kind: "fixture",
			Probe: slowProbe{}, Timeout: 500 * time.Millisecond})
	} else {
		cfg = &config.Config{Estate: "synthetic", Environment: "test"}
	}
	targets = append(targets, fixture.SyntheticTargets(*synthetic, *drift)...)
	sched := probes.NewScheduler(targets, probes.Options{Interval: *interval})
	defer sched.Close()
	mode := tui.Live
	if *readOnly {
		mode = tui.ReadOnly
	}
	if err := tui.Run(context.Background(), tui.Options{Config: cfg, Scheduler: sched, Mode: mode, LogPath: *logPath}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// slowProbe is a TCP connect that hangs past its timeout (it returns a
// second later, as a probe stuck in a syscall would): a reachability
// check, so the scheduler reports it timed out and crit.
type slowProbe struct{}

// Checks is one reachability check.
func (slowProbe) Checks() []probes.Check {
	return []probes.Check{{Name: "connect", Layer: probes.Network, OnTimeout: probes.Crit}}
}

// Run hangs past the timeout.
func (slowProbe) Run(context.Context) []probes.Result {
	time.Sleep(time.Second)
	return nil
}
