package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

func TestReport(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	lock := probes.Result{ID: "db/mysql/lock_waits", Component: "db", Probe: "mysql", Kind: "mysql", Check: "lock_waits", Layer: probes.Data,
		Status: probes.Crit, Summary: "2 sessions waiting | longest 14 s\x1b]0;pwned\x07 <b>"}
	cpu := probes.Result{ID: "host/node_exporter/cpu", Component: "host", Check: "cpu", Layer: probes.Server,
		Status: probes.Warn, Summary: "cpu 86% > 80%"}
	dns := probes.Result{ID: "edge/dns/resolve", Component: "edge", Check: "resolve", Layer: probes.Network,
		Status: probes.Unknown, Summary: "timed out", Err: "probe timed out after 3s\r\n"}
	okTCP := probes.Result{ID: "api/tcp/connect", Component: "api", Check: "connect", Layer: probes.Network, Status: probes.OK, Summary: "2 ms", Impact: probes.UserFacing}
	refused := probes.Result{ID: "db/tcp/connect", Component: "db", Probe: "tcp", Kind: "tcp", Check: "connect", Layer: probes.Network, Status: probes.Crit,
		Summary: "connection refused", Impact: probes.UserFacing}
	held := probes.Result{ID: "db/mysql/connections", Component: "db", Check: "connections", Layer: probes.Data,
		Status: probes.Crit, Summary: "95%", For: time.Minute, Impact: probes.UserFacing}

	// incident builds the state after the results have held from t0 to at.
	incident := func(at time.Time, overrides map[string]bool, rs ...probes.Result) (State, []Event) {
		tr := NewTracker(CoreTopology([]string{"db"}))
		tr.Update([]probes.Result{okTCP}, t0.Add(-time.Minute))
		tr.Update(rs, t0)
		for id, yes := range overrides {
			tr.Override(id, yes)
			tr.Record(Event{Time: t0.Add(time.Minute), Kind: Note, Subject: id, Text: "guide: " + id + " overridden"})
		}
		tr.Record(Event{Time: t0.Add(2 * time.Minute), Kind: ActionTaken, Subject: "db", Text: "kill connection 4711: done"})
		return tr.Update(rs, at), tr.Timeline()
	}

	tests := []struct {
		name    string
		st      func() (State, []Event)
		now     time.Time
		want    []string
		notWant []string
	}{
		{"red with overrides", func() (State, []Event) {
			return incident(t0.Add(17*time.Minute+47*time.Second), map[string]bool{StepServer: true}, okTCP, lock, cpu, dns, refused)
		}, t0.Add(17*time.Minute + 47*time.Second), []string{
			"# Incident report: invoice-prod — RED\n",
			"- **Environment:** production\n",
			"- **Generated:** 2024-05-01 10:17:47 UTC\n",
			"- **Grade:** red (system down): db/tcp/connect crit: connection refused\n",
			"- **Incident started:** 2024-05-01 10:00:00 UTC (00:17:47 ago)\n",
			"- **SLA deadline:** 2024-05-01 11:00:00 UTC (00:42:13 left)\n",
			"- **Restore target:** basic function in 30 min\n",
			"1. **db/tcp/connect** crit (network, user-facing): connection refused\n",
			"   - do: nothing listens on",
			"2. **db/mysql/lock_waits** crit (data, internal)",
			"Not watched (no checks): application, security\n",
			"### network\n\n| check | status | summary | error |\n|---|---|---|---|\n| db/tcp/connect | crit | connection refused | — |\n| edge/dns/resolve | unknown | timed out | probe timed out after 3s |\n",
			"| db/mysql/lock_waits | crit | 2 sessions waiting \\| longest 14 s &lt;b> | — |\n",
			"| 4 | server layer: resources abnormal? | yes (overridden by operator: yes; checks said: yes) |",
			"| 3 | network layer ok? | **no** ◀ here |",
			"## Actions taken\n\n- 2024-05-01 10:02:00 UTC · db: kill connection 4711: done\n",
			"- 2024-05-01 10:00:00 UTC · grade · grade green → red: db/tcp/connect crit: connection refused\n",
			"- 2024-05-01 10:01:00 UTC · note · guide: server overridden\n",
		}, []string{"pwned", "\x1b", "\x07", "\r", "api/tcp/connect |"}},
		{"overdue", func() (State, []Event) { return incident(t0.Add(time.Hour+190*time.Second), nil, refused) },
			t0.Add(time.Hour + 190*time.Second), []string{"(overdue by 00:03:10)", "| 3 | network layer ok? | **no** ◀ here |"}, nil},
		{"held by for", func() (State, []Event) { return incident(t0.Add(10*time.Second), nil, held, cpu) },
			t0.Add(10 * time.Second), []string{"— YELLOW\n", "Held back by `for:`", "- db/mysql/connections for 10s\n",
				"- **Restore target:** within 8 h\n"}, []string{"| db/mysql/connections |"}},
		{"green", func() (State, []Event) {
			tr := NewTracker(nil)
			return tr.Update([]probes.Result{okTCP}, t0), tr.Timeline()
		}, t0, []string{"— GREEN\n", "no incident open (grade green)", "None: no check of the estate fails.", "None: every check is ok.",
			"None recorded.", "No events."}, []string{"SLA deadline", "Restore target", "◀ here"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, tl := tt.st()
			out := Report("invoice-prod", "production", st, tl, tt.now)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			for _, w := range tt.notWant {
				assert.NotContains(t, out, w)
			}
			for _, h := range []string{"## Root causes", "## Checks not ok", "## Procedure", "## Actions taken", "## Timeline"} {
				assert.Contains(t, out, "\n"+h+"\n")
			}
		})
	}
}

func TestReportEmptyNames(t *testing.T) {
	out := Report("\x1b[2J", "", State{}, nil, time.Time{})
	require.True(t, strings.HasPrefix(out, "# Incident report: (no estate name) — GREEN\n"), out)
	assert.Contains(t, out, "- **Environment:** unset\n")
}

func TestPlain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\x1b[31mred\x1b[0m", "ared"},
		{"title\x1b]0;pwned\x07!", "title!"},
		{"st\x1b]8;;http://x\x1b\\link", "stlink"},
		{"c1\u009b2Jx", "c1x"},
		{"line\nbreak\ttab\r", "line break tab"},
		{"bidi\u202Eevil", "bidievil"},
		{"trailing\x1b", "trailing"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) { assert.Equal(t, tt.want, plain(tt.in)) })
	}
}

// TestReportDropsHostileSequencesWhole: the Markdown report carries no
// bidirectional override and no payload of a stripped OSC, from any of
// the strings the estate supplies.
func TestReportDropsHostileSequencesWhole(t *testing.T) {
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	bad := probes.Result{ID: "db/mysql/lock_waits\u202e", Component: "db", Probe: "mysql", Check: "lock_waits",
		Layer: probes.Data, Status: probes.Crit, Summary: "UPDATE t\x1b]0;pwned-title\x07 SET \u202eevil",
		Err: "x\u009d0;pwned-c1\u009c y"}
	tr := NewTracker(CoreTopology([]string{"db"}))
	tr.Record(Event{Time: now, Kind: ActionTaken, Subject: "db\u202e", Text: "kill\x1b]0;pwned-event\x07 4711"})
	st := tr.Update([]probes.Result{bad}, now)
	require.NotEqual(t, Green, st.Grade)
	events := tr.Timeline()
	out := Report("prod\u202e", "production\x1b]0;pwned-env\x07", st, events, now)
	for _, s := range []string{"pwned", "\u202e", "\x1b", "\u009d"} {
		assert.NotContains(t, out, s)
	}
	assert.Contains(t, out, "UPDATE t SET evil")
}
