package drill

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/probes/incident"
	"github.com/fivelayer/triage/tui/common"
	"github.com/fivelayer/triage/tui/internal/fixture"
)

func TestSeenBefore(t *testing.T) {
	ctx := fixture.Context(fixture.Snapshot(fixture.T0, 1, false), common.Live)
	withMySQL(ctx)
	started := time.Date(2026, 2, 1, 9, 0, 0, 0, time.Local)
	past := map[string][]incident.Past{
		"db-primary/mysql/lock_waits": {
			{ID: 7, Started: started, Recovered: started.Add(12*time.Minute + 5*time.Second), Worst: incident.Orange,
				CheckID: "db-primary/mysql/lock_waits", Fix: "kill connection 4711: done (verified) \x1b[31m— by ops"},
			{ID: 3, Started: started.Add(-48 * time.Hour), Recovered: started.Add(-47 * time.Hour), Worst: incident.Red,
				CheckID: "db-primary/mysql/lock_waits"},
		},
	}
	var asked []string
	ctx.SeenBefore = func(id string) []incident.Past { asked = append(asked, id); return past[id] }
	m := New("db-primary", "db-primary/mysql/lock_waits")
	for _, w := range []int{80, 200} {
		out := strings.Join(m.Lines(ctx, w), "\n")
		for _, want := range []string{
			"seen before: db-primary/mysql/lock_waits was the root cause of 2",
			"incidents",
			"#7 2026-02-01 09:00 orange, recovered in 0:12:05",
			"fixed by: kill connection 4711: done (verified)",
			"#3 2026-01-30 09:00 red, recovered in 1:00:00",
			"fixed by: no action recorded before recovery",
			"lock pile-up on invoices", // the config's history is still there, above
		} {
			assert.Contains(t, out, want, "width %d", w)
		}
		assert.NotContains(t, out, "\x1b[31m", "strings from the store are sanitised")
		assert.NotContains(t, out, "no past incidents recorded")
		assert.Less(t, strings.Index(out, "lock pile-up on invoices"), strings.Index(out, "seen before"))
	}
	assert.Contains(t, asked, "db-primary/mysql/connections", "every check of the component is looked up")

	// Without a store, or with nothing stored, the section is as before.
	ctx.SeenBefore = nil
	assert.NotContains(t, strings.Join(m.Lines(ctx, 100), "\n"), "seen before")
}
