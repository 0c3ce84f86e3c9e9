package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fivelayer/triage/probes/remedy"
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
