package main

import (
	"github.com/spf13/cobra"

	"github.com/fivelayer/triage/probes/record"
	"github.com/fivelayer/triage/tui"
)

func newReplayCmd() *cobra.Command {
	var speed float64
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Replay a session recorded with --record FILE in the screen",
		Long: `Replay a session recorded with triage --record FILE (or triage lab --record
FILE) at its recorded pace, --speed times faster. The screen is in REPLAY
mode: its clock shows the recorded time, nothing is probed and no action
runs. A file that is cut short or garbled is refused with the line at fault
(exit 3).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sess, err := record.Open(args[0])
			if err != nil {
				return &exitError{3, err}
			}
			p, err := record.NewPlayer(sess, speed)
			if err != nil {
				return &exitError{3, err}
			}
			if err := requireTerminal(); err != nil {
				return err
			}
			return tui.Run(cmd.Context(), tui.Options{Config: sess.Config(), Scheduler: p, Mode: tui.Replay,
				Events: p.Events(), Now: p.Now, LogPath: stateFile("triage.log")})
		},
	}
	cmd.Flags().Float64Var(&speed, "speed", 1, "replay speed: 1 is the recorded pace, 2 twice as fast, 10 ten times")
	return cmd
}
