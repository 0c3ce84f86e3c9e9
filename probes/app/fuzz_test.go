package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"
)

// FuzzExposition feeds arbitrary bytes to the metrics scrape's parser, as
// text and as OpenMetrics (the two Content-Types it reads). A scraped body is
// whatever the endpoint sent: the parser returns series or an error, never
// panics, and every series it returns has a metric name.
func FuzzExposition(f *testing.F) {
	f.Add([]byte("# TYPE http_server_requests_seconds histogram\nhttp_server_requests_seconds_bucket{le=\"+Inf\",status=\"200\"} 3\n"))
	formats := []expfmt.Format{expfmt.NewFormat(expfmt.TypeTextPlain), expfmt.NewFormat(expfmt.TypeOpenMetrics)}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range formats {
			exp, err := parseExposition(bytes.NewReader(data), format)
			if err != nil {
				require.Nil(t, exp)
				continue
			}
			for name := range exp {
				require.NotEmpty(t, name, "a series without a name from %q", data)
			}
		}
	})
}

// FuzzNginxErrorLog writes arbitrary bytes, in two appends split at cut, to a
// followed error log and classifies every line the follower hands over. The
// follower must deliver exactly the complete lines written (newline and
// trailing CR removed, each capped at maxLogLineBytes), keep an unterminated
// tail for later, and the classifier must name a known kind.
func FuzzNginxErrorLog(f *testing.F) {
	f.Add([]byte("2024/05/14 10:21:07 [error] 31#31: *5 upstream timed out (110: Connection timed out) while reading response header from upstream\n"), uint(10))
	f.Fuzz(func(t *testing.T, data []byte, cut uint) {
		path := filepath.Join(t.TempDir(), "error.log")
		require.NoError(t, os.WriteFile(path, []byte("old line before the follower\n"), 0o600))
		l := &logFollower{path: path}
		defer func() { _ = l.close() }()
		var got [][]byte
		collect := func(line []byte) {
			require.NotContains(t, string(line), "\n")
			require.LessOrEqual(t, len(line), maxLogLineBytes)
			if k, ok := classifyUpstream(line); ok {
				require.Less(t, k, numUpstreamKinds)
				require.NotEmpty(t, upstreamKindNames[k])
			}
			got = append(got, bytes.Clone(line))
		}
		require.NoError(t, l.read(collect), "the first read starts at the end")
		require.Empty(t, got, "old lines are history")

		at := int(cut % uint(len(data)+1))
		for _, part := range [][]byte{data[:at], data[at:]} {
			fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = fh.Write(part)
			require.NoError(t, err)
			require.NoError(t, fh.Close())
			require.NoError(t, l.read(collect))
		}

		var want [][]byte
		rest := data
		for {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break
			}
			line := bytes.TrimRight(rest[:i+1], "\r\n")
			if len(line) > maxLogLineBytes {
				line = line[:maxLogLineBytes]
			}
			want = append(want, line)
			rest = rest[i+1:]
		}
		require.Equal(t, len(want), len(got), "one delivered line per newline written")
		for i := range want {
			require.Equal(t, string(want[i]), string(got[i]), "line %d", i)
		}
	})
}
