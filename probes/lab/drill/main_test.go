package drill

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/fivelayer/triage/probes/lab/training"
)

// TestMain lets the test binary stand in for `triage lab`: the guard's
// restart action and the switchover's traffic hook run
// [test binary, "lab", OP, "--control", SOCKET, NAME], as they run the
// triage binary in production, and this answers them through the lab's
// control socket.
func TestMain(m *testing.M) {
	if len(os.Args) == 6 && os.Args[1] == "lab" && os.Args[3] == "--control" {
		if _, err := training.Call(os.Args[4], training.Request{Op: os.Args[2], Name: os.Args[5]}, 90*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("lab: %s %s: done\n", os.Args[2], os.Args[5])
		os.Exit(0)
	}
	os.Exit(m.Run())
}
