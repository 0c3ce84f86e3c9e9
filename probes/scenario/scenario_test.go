package scenario_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/probes/kinds"
)

// The test binary doubles as two helper processes: a CPU burner (the suite
// runs on a loaded machine on purpose) and an upstream HTTP server that a
// scenario kills.
const (
	envBurn     = "TRIAGE_SCENARIO_BURN"
	envUpstream = "TRIAGE_SCENARIO_UPSTREAM"
)

func TestMain(m *testing.M) {
	switch {
	case os.Getenv(envBurn) != "":
		for {
		}
	case os.Getenv(envUpstream) != "":
		serveUpstream(os.Getenv(envUpstream))
		return
	}
	stop := burnCPU()
	code := m.Run()
	stop()
	os.Exit(code)
}

// burnCPU keeps every core busy with niced child processes (our own, stopped
// by pid): the observer host reads near 100% CPU, as on the machine whose
// compile job once sent operators the wrong way, while the probes still get
// the CPU they need.
func burnCPU() func() {
	if os.Getenv("TRIAGE_SCENARIO_NO_BURN") != "" {
		return func() {}
	}
	var cmds []*exec.Cmd
	for range runtime.NumCPU() {
		cmd := exec.Command("nice", "-n", "19", os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envBurn+"=1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if cmd.Start() == nil {
			cmds = append(cmds, cmd)
		}
	}
	return func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
}

func serveUpstream(addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"UP"}`)
	})
	_ = http.ListenAndServe(addr, mux)
}

// diagnose runs two probe rounds window apart (rates need two samples, as
// `triage check` takes them) and grades and diagnoses the second.
func diagnose(t *testing.T, cfg *config.Config, window time.Duration) (incident.Assessment, []probes.Result) {
	t.Helper()
	return diagnoseWith(t, cfg, window, nil)
}

// diagnoseWith is diagnose with a fault injected between the two rounds
// (a counter must move between them to be a rate).
func diagnoseWith(t *testing.T, cfg *config.Config, window time.Duration, between func()) (incident.Assessment, []probes.Result) {
	t.Helper()
	targets, errs := kinds.Targets(cfg)
	require.Empty(t, errs)
	s := probes.NewScheduler(targets, probes.Options{Interval: time.Hour})
	defer s.Close()
	ctx := context.Background()
	s.Round(ctx)
	if between != nil {
		between()
	}
	time.Sleep(window)
	results := s.Round(ctx).Results()
	return incident.Assess(results, cfg.Topology()), results
}

// want is what a scenario must diagnose.
type want struct {
	grade     incident.Grade
	cause     string   // the first root cause's check id
	chain     []string // its chain, nil: not checked
	action    incident.Action
	adviceHas string // in the first root cause's advice
	explains  []string
}

// expect checks the first root cause and, for every cause, that no advice
// says to restore from backup and every offered action is enabled.
func expect(t *testing.T, a incident.Assessment, results []probes.Result, topo *incident.Topology, w want) {
	t.Helper()
	d := a.Diagnosis
	var lines []string
	for _, r := range results {
		if r.Status != probes.OK {
			lines = append(lines, fmt.Sprintf("%s %s %s: %s", r.ID, r.Status, r.Impact, r.Summary))
		}
	}
	ctx := fmt.Sprintf("grade %s: %s\nfailing:\n  %s", a.Grade, a.Reason, strings.Join(lines, "\n  "))
	for _, rc := range d.RootCauses {
		for _, adv := range rc.Advice {
			assert.NotContains(t, adv.Text, "backup", "restore is advised only on lost or corrupt data: %s", rc.CheckID)
			if adv.Action != incident.NoAction {
				assert.True(t, topo.Enabled(rc.Component, adv.Action), "%s offers %s, not enabled there", rc.CheckID, adv.Action)
			}
		}
	}
	if w.cause == "" {
		assert.Empty(t, d.RootCauses, ctx)
		return
	}
	require.NotEmpty(t, d.RootCauses, ctx)
	top := d.RootCauses[0]
	assert.Equal(t, w.cause, top.CheckID, ctx)
	assert.Equal(t, w.grade, a.Grade, ctx)
	if w.chain != nil {
		assert.Equal(t, w.chain, top.Chain, ctx)
	}
	for _, e := range w.explains {
		assert.Contains(t, top.Explains, e, ctx)
	}
	var texts []string
	first := incident.NoAction
	for _, adv := range top.Advice {
		texts = append(texts, adv.Text)
		if first == incident.NoAction {
			first = adv.Action
		}
	}
	assert.Equal(t, w.action, first, "first action offered\n%s", strings.Join(texts, "\n"))
	assert.Contains(t, strings.Join(texts, "\n"), w.adviceHas, ctx)
	if top.Grade == a.Grade {
		assert.Contains(t, a.Reason, top.CheckID, "the header names the root cause of the worst grade")
	}
}
