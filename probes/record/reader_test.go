package record

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	hdr    = `{"type":"header","version":1,"estate":"e","config_source":"triage.yaml","history_len":5,"config":{"estate":"e","environment":"staging","core":["api"],"components":[{"name":"api","probes":[{"kind":"tcp"}],"actions":["restart"],"knowledge":{"depends_on":["db"]}},{"name":"db","probes":[{"kind":"mysql","id":"primary"}],"actions":["kill_session","switchover"],"standby":"db2","knowledge":{"incidents":[{"date":"2023-08-20","event":"primary down","fix":"switched"}]}}]}}`
	key    = `{"type":"frame","seq":0,"time":"2026-03-01T10:00:00Z","key":true,"round":1,"checks":[{"id":"api/tcp/connect","time":"2026-03-01T10:00:00Z","duration_ns":1000,"result":{"component":"api","probe":"tcp","check":"connect","layer":"network","status":"ok","summary":"ok","value":1,"probed":true}}]}`
	same   = `{"type":"frame","seq":1,"time":"2026-03-01T10:00:02Z","round":2,"checks":[{"id":"api/tcp/connect","same":true,"time":"2026-03-01T10:00:02Z","duration_ns":900}]}`
	event  = `{"type":"event","time":"2026-03-01T10:00:03Z","kind":"note","subject":"503-storm","text":"fault injected: 503 storm"}`
	ghost  = `{"type":"frame","seq":1,"time":"2026-03-01T10:00:02Z","round":2,"checks":[{"id":"ghost/tcp/connect","same":true,"time":"2026-03-01T10:00:02Z"}]}`
	badLyr = `{"type":"frame","seq":1,"time":"2026-03-01T10:00:02Z","round":2,"checks":[{"id":"x/y/z","time":"2026-03-01T10:00:02Z","result":{"layer":"physical","status":"ok"}}]}`
)

func TestReadRejectsBrokenFiles(t *testing.T) {
	tests := []struct {
		name string
		file string
		line int
		msg  string
	}{
		{"empty", "", 0, "empty file"},
		{"header only", hdr + "\n", 0, "no snapshot was recorded"},
		{"not a recording", `{"estate":"e"}` + "\n", 1, "first line is not a header"},
		{"not JSON", "hello\n", 1, "garbled line"},
		{"future version", strings.Replace(hdr, `"version":1`, `"version":9`, 1) + "\n" + key + "\n", 1, "version 9"},
		{"truncated last line", hdr + "\n" + key + "\n" + same[:40], 3, "truncated"},
		{"complete JSON but no newline", hdr + "\n" + key + "\n" + same, 3, "truncated"},
		{"garbled middle line", hdr + "\n" + key + "\n" + `{"type":"frame","seq":` + "\n" + same + "\n", 3, "garbled line"},
		{"wrong field type", hdr + "\n" + key + "\n" + `{"type":"frame","seq":"one"}` + "\n", 3, "garbled frame"},
		{"empty line", hdr + "\n" + key + "\n\n" + same + "\n", 3, "empty line"},
		{"unknown type", hdr + "\n" + key + "\n" + `{"type":"snapshot"}` + "\n", 3, `unknown line type "snapshot"`},
		{"second header", hdr + "\n" + key + "\n" + hdr + "\n", 3, "second header"},
		{"first frame not key", hdr + "\n" + same + "\n", 2, "not a keyframe"},
		{"same before result", hdr + "\n" + key + "\n" + ghost + "\n", 3, "repeated before its result"},
		{"unknown layer", hdr + "\n" + key + "\n" + badLyr + "\n", 3, `unknown layer "physical"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.file), "x.jsonl")
			require.Error(t, err)
			var fe *FormatError
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, tt.line, fe.Line)
			assert.Contains(t, err.Error(), tt.msg)
			if tt.line > 0 {
				assert.True(t, strings.HasPrefix(err.Error(), "x.jsonl:"), err.Error())
			}
		})
	}
}

func TestReadGoodFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join([]string{hdr, key, same, event}, "\n")+"\n"), 0o600))
	s, err := Open(path)
	require.NoError(t, err)
	assert.Equal(t, 2, s.Frames())
	assert.Equal(t, "2026-03-01T10:00:00Z", s.Start().Format("2006-01-02T15:04:05Z07:00"))
	assert.Equal(t, "2026-03-01T10:00:03Z", s.End().Format("2006-01-02T15:04:05Z07:00"))

	cfg := s.Config()
	assert.Equal(t, "e", cfg.Estate)
	assert.Equal(t, "staging", cfg.Environment)
	assert.Equal(t, []string{"api"}, cfg.Core)
	assert.Contains(t, cfg.Source, "replay of "+path)
	assert.Contains(t, cfg.Source, "triage.yaml")
	db, ok := cfg.Component("db")
	require.True(t, ok)
	assert.NotNil(t, db.Actions.KillSession)
	require.NotNil(t, db.Actions.Switchover)
	assert.Equal(t, "db2", db.Actions.Switchover.Standby)
	assert.Nil(t, db.Actions.Restart)
	assert.Equal(t, "primary", db.Probes[0].ID)
	require.Len(t, db.Knowledge.Incidents, 1)
	assert.Equal(t, "switched", db.Knowledge.Incidents[0].Fix)
	api, _ := cfg.Component("api")
	assert.Equal(t, []string{"db"}, api.Knowledge.DependsOn)

	_, err = Open(filepath.Join(t.TempDir(), "missing.jsonl"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
