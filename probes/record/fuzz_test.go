package record

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzRead feeds arbitrary bytes to the recording reader. `triage replay`
// opens files that were cut short, edited by hand or are not recordings at
// all, so Read must never panic: it returns a session whose accessors work,
// or an error (a *FormatError for content, naming a line that exists).
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"type":"header","version":1,"estate":"e","history_len":10}` + "\n" +
		`{"type":"frame","seq":0,"time":"2026-03-01T10:00:00Z","key":true,"round":0}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sess, err := Read(bytes.NewReader(data), "fuzz.jsonl")
		if err != nil {
			require.Nil(t, sess)
			var fe *FormatError
			if errors.As(err, &fe) {
				require.GreaterOrEqual(t, fe.Line, 0, fe.Error())
				require.LessOrEqual(t, fe.Line, bytes.Count(data, []byte("\n"))+1, fe.Error())
			}
			return
		}
		require.NotNil(t, sess)
		require.False(t, sess.End().Before(sess.Start()), "a session does not end before it starts")
		require.Positive(t, sess.Frames(), "a session has a frame to show")
		require.NotNil(t, sess.Config())
		p, err := NewPlayer(sess, 1)
		require.NoError(t, err)
		_ = p.Snapshot()
	})
}
