package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes/remedy"
	"github.com/fivelayer/triage/probes/remedy/catalog"
)

func TestPrintOutcomeSaysNotRecorded(t *testing.T) {
	tests := []struct {
		name string
		out  remedy.Outcome
		want string
	}{
		{"recorded", remedy.Outcome{Result: remedy.ResultDone, Verified: true, Record: &remedy.Record{}}, "result: done, verified in"},
		{"not recorded", remedy.Outcome{Result: remedy.ResultNotRecorded, Ran: remedy.ResultDone, Verified: true, Err: remedy.ErrAudit}, "result: done — NOT RECORDED in"},
		{"not verified", remedy.Outcome{Result: remedy.ResultDone, Record: &remedy.Record{}}, "result: done, NOT verified in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printOutcome(&b, tt.out, "/x/audit.jsonl")
			assert.Contains(t, b.String(), tt.want)
		})
	}
}

func TestAuditNamedLogMissingIsAnError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.jsonl")
	assert.Equal(t, 3, run([]string{"--audit-log", missing, "audit"}))
}

// TestActRunsEveryCatalogAction: each action of the catalog is reachable
// from `triage act` (its subcommand, and its flag for a variant) and the
// guard receives that action, as the audit record of its refusal shows.
func TestActRunsEveryCatalogAction(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "triage.yaml")
	require.NoError(t, os.WriteFile(conf, []byte("estate: t\ncomponents:\n  - name: plain\n    probes: [{kind: tcp, address: \"127.0.0.1:1\"}]\n"), 0o600))
	for _, s := range catalog.All() {
		t.Run(string(s.Kind), func(t *testing.T) {
			audit := filepath.Join(t.TempDir(), "audit.jsonl")
			args := []string{"--config", conf, "--audit-log", audit, "act", s.Command, "--component", "plain", "--confirm", "plain", "--reason", "test"}
			if s.Flag != "" {
				args = append(args, "--"+s.Flag)
			}
			assert.Equal(t, 1, run(args), "not enabled on plain: refused by the guard")
			recs, _, err := remedy.ReadAudit(audit)
			require.NoError(t, err)
			require.NotEmpty(t, recs)
			assert.Equal(t, s.Kind, recs[len(recs)-1].Action)
			assert.Equal(t, remedy.ResultRefused, recs[len(recs)-1].Result)
		})
	}
}
