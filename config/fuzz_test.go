package config_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/kinds"
)

// FuzzParse feeds arbitrary bytes to the config parser and validator, with
// the real registry of kinds. A
// config is whatever a user or an editor wrote, so Parse must never panic:
// it returns a config, or a *ValidationError with at least one issue placed
// at a line and column that exist (0 only for whole-file issues). The seed
// corpus in testdata/fuzz/FuzzParse holds the fixtures of parse_test.go.
func FuzzParse(f *testing.F) {
	f.Add([]byte("components:\n  - name: a\n    probes: [{kind: tcp, address: \"127.0.0.1:1\"}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data, "fuzz.yaml", kinds.Registry)
		if err == nil {
			require.NotNil(t, cfg)
			require.NotEmpty(t, cfg.Components, "a valid config has a component")
			return
		}
		require.Nil(t, cfg)
		var ve *config.ValidationError
		require.True(t, errors.As(err, &ve), "%T: %v", err, err)
		require.NotEmpty(t, ve.Issues)
		lines := countLines(data)
		for _, is := range ve.Issues {
			require.GreaterOrEqual(t, is.Line, 0, is.String())
			require.LessOrEqual(t, is.Line, lines+1, "%s: the file has %d lines", is, lines)
			require.GreaterOrEqual(t, is.Col, 0, is.String())
			require.NotEmpty(t, is.Msg)
		}
		_ = ve.Error()
	})
}

// countLines counts lines as YAML does, and as editors show them: "\r\n",
// a lone "\r" and "\n" each end a line (a file saved with old Mac line
// endings has its errors on the lines the editor shows, not all on line 1).
func countLines(data []byte) int {
	lines := 1
	for i, b := range data {
		switch {
		case b == '\n':
			lines++
		case b == '\r' && (i+1 == len(data) || data[i+1] != '\n'):
			lines++
		}
	}
	return lines
}
