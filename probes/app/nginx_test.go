package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

const (
	lineConnectFailed = `2024/05/14 10:21:07 [error] 1234#1234: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:9/", host: "127.0.0.1:8080"`
	lineTimedOut      = `2024/05/14 10:21:07 [error] 1234#1234: *7 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.2, server: api, request: "POST /api/invoices HTTP/1.1", upstream: "http://10.0.0.1:8080/api/invoices", host: "api.example.com"`
)

func TestClassifyUpstream(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string // "" for not an upstream failure
	}{
		{name: "connect refused", line: lineConnectFailed, want: "connect_failed"},
		{name: "unix socket connect", line: `2024/05/14 10:21:07 [crit] 1#1: *13 connect() to unix:/run/app.sock failed (2: No such file or directory) while connecting to upstream`, want: "connect_failed"},
		{name: "timed out", line: lineTimedOut, want: "timed_out"},
		{name: "no live upstreams", line: `2024/05/14 10:21:07 [error] 1#1: *9 no live upstreams while connecting to upstream, client: 10.0.0.2, request: "GET / HTTP/1.1", upstream: "http://backend/"`, want: "no_live_upstreams"},
		{name: "prematurely closed", line: `2024/05/14 10:21:07 [error] 1#1: *11 upstream prematurely closed connection while reading response header from upstream`, want: "prematurely_closed"},
		{name: "invalid header", line: `2024/05/14 10:21:07 [error] 1#1: *15 upstream sent invalid header: "Foo\x00" while reading response header from upstream`, want: "invalid_header"},
		{name: "module says status 503", line: `2024/05/14 10:21:07 [error] 1#1: *17 [lua] access.lua:12: maintenance, returning status 503`, want: "http_503"},
		{name: "502 in a URI is not a status", line: `2024/05/14 10:21:07 [error] 1#1: *19 open() "/usr/share/nginx/html/502.html" failed (2: No such file or directory), request: "GET /502 HTTP/1.1"`},
		{name: "buffering warning", line: `2024/05/14 10:21:07 [warn] 1#1: *21 an upstream response is buffered to a temporary file`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, ok := classifyUpstream([]byte(tc.line))
			if tc.want == "" {
				assert.False(t, ok, "classified as %s", upstreamKindNames[k])
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, upstreamKindNames[k])
		})
	}
}

func TestErrorRing(t *testing.T) {
	var r errorRing
	t0 := time.Unix(1_700_000_000, 0)
	r.add(t0.Add(-5*time.Minute), kindTimedOut)
	r.add(t0.Add(-30*time.Second), kindConnectFailed)
	r.add(t0, kindConnectFailed)
	r.add(t0.Add(-20*time.Minute), kindTimedOut) // older than the ring: dropped, not clobbering -5m
	w := r.window(t0, time.Minute)
	assert.Equal(t, 2, w[kindConnectFailed])
	assert.Equal(t, 0, w[kindTimedOut])
	pm := r.perMinute(t0, 15)
	require.Len(t, pm, 15)
	assert.Equal(t, 2, pm[14])
	assert.Equal(t, 1, pm[9])
	assert.Equal(t, 3, pm[0]+pm[9]+pm[14]+sum(pm[1:9])+sum(pm[10:14]))
	assert.Equal(t, [numUpstreamKinds]int{}, r.window(t0.Add(2*time.Minute), time.Minute), "a minute later the window is empty")
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func TestParseStubStatus(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    stubStatus
		wantErr bool
	}{
		{name: "nginx 1.22", body: "Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n",
			want: stubStatus{Active: 291, Accepts: 16630948, Handled: 16630948, Requests: 31070465, Reading: 6, Writing: 179, Waiting: 106}},
		{name: "html", body: "<html>404</html>", wantErr: true},
		{name: "missing counters", body: "Active connections: 1\nReading: 0 Writing: 1 Waiting: 0\n", wantErr: true},
		{name: "bad number", body: "Active connections: x\n", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStubStatus([]byte(tc.body))
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestNginxChecksFollowSpec(t *testing.T) {
	tests := []struct {
		name string
		spec probes.Spec
		want []string
	}{
		{name: "log only", spec: probes.Spec{Path: "/var/log/nginx/error.log"}, want: []string{"upstream_errors"}},
		{name: "status only", spec: probes.Spec{StatusURL: "http://127.0.0.1/status"}, want: []string{"connections"}},
		{name: "both", spec: probes.Spec{Path: "/x", StatusURL: "http://127.0.0.1/status"}, want: []string{"upstream_errors", "connections"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NginxKind.New(tc.spec)
			require.NoError(t, err)
			var names []string
			for _, c := range p.Checks() {
				names = append(names, c.Name)
			}
			assert.Equal(t, tc.want, names)
			assert.Len(t, p.Run(context.Background()), len(tc.want))
		})
	}
	_, err := NginxKind.New(probes.Spec{})
	require.Error(t, err)
}

func TestNginxUpstreamErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	appendFile(t, path, strings.Repeat(lineConnectFailed+"\n", 50)) // history: not counted
	p, err := NewNginx(probes.Spec{Path: path})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	clock := time.Unix(1_700_000_000, 0)
	p.now = func() time.Time { return clock }

	rounds := []struct {
		name    string
		appends string
		advance time.Duration
		want    probes.Status
		value   float64
		summary string
	}{
		{name: "history is not counted", want: probes.OK, summary: "no upstream errors in the last minute (watching for 0s)"},
		{name: "one timeout warns", appends: lineTimedOut + "\n" + "2024/05/14 10:21:07 [notice] 1#1: signal process started\n", advance: 5 * time.Second, want: probes.Warn, value: 1, summary: "1 upstream errors in the last minute: timed_out 1 (warn > 0/min)"},
		{name: "a burst is crit", appends: strings.Repeat(lineConnectFailed+"\n", 30), advance: 5 * time.Second, want: probes.Crit, value: 31, summary: "connect_failed 30, timed_out 1 (crit > 10/min)"},
		{name: "two quiet minutes later", advance: 2 * time.Minute, want: probes.OK, value: 0},
	}
	for _, rd := range rounds {
		clock = clock.Add(rd.advance)
		if rd.appends != "" {
			appendFile(t, path, rd.appends)
		}
		rs := p.Run(context.Background())
		require.Len(t, rs, 1)
		r := rs[0]
		assert.Equal(t, rd.want, r.Status, rd.name+": "+r.Summary)
		assert.InDelta(t, rd.value, *r.Value, 0, rd.name)
		assert.Contains(t, r.Summary, rd.summary, rd.name)
		if rd.name == "a burst is crit" {
			assert.Len(t, r.Evidence["last_lines"], lastLinesKept)
			assert.Equal(t, map[string]int{"connect_failed": 30, "timed_out": 1}, r.Evidence["by_kind"])
			assert.Equal(t, map[string]int{"502": 30, "504": 1}, r.Evidence["by_status"])
		}
	}
}

func TestNginxLogUnreadable(t *testing.T) {
	p, err := NewNginx(probes.Spec{Path: filepath.Join(t.TempDir(), "missing.log")})
	require.NoError(t, err)
	r := p.Run(context.Background())[0]
	assert.Equal(t, probes.Unknown, r.Status)
	assert.Contains(t, r.Summary, "cannot read the error log")
	assert.Contains(t, r.Err, "no such file")
}

// stubServer serves a stub_status page whose counters the test sets.
type stubServer struct {
	mu sync.Mutex
	s  stubStatus
}

func (st *stubServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.s
	_, _ = fmt.Fprintf(w, "Active connections: %g \nserver accepts handled requests\n %g %g %g \nReading: %g Writing: %g Waiting: %g \n",
		s.Active, s.Accepts, s.Handled, s.Requests, s.Reading, s.Writing, s.Waiting)
}

func TestNginxConnections(t *testing.T) {
	st := &stubServer{s: stubStatus{Active: 3, Accepts: 100, Handled: 100, Requests: 400, Reading: 0, Writing: 1, Waiting: 2}}
	srv := httptest.NewServer(st)
	t.Cleanup(srv.Close)
	p, err := NewNginx(probes.Spec{StatusURL: srv.URL + "/status"})
	require.NoError(t, err)
	clock := time.Unix(1_700_000_000, 0)
	p.now = func() time.Time { return clock }

	r := p.Run(context.Background())[0]
	assert.Equal(t, probes.OK, r.Status, r.Summary)
	assert.InDelta(t, 3, *r.Value, 0)
	assert.Equal(t, "3 active (reading 0, writing 1, waiting 2)", r.Summary)

	st.mu.Lock()
	st.s = stubStatus{Active: 1024, Accepts: 200, Handled: 180, Requests: 600, Writing: 1024}
	st.mu.Unlock()
	clock = clock.Add(10 * time.Second)
	r = p.Run(context.Background())[0]
	assert.Equal(t, probes.Crit, r.Status, r.Summary)
	assert.Contains(t, r.Summary, "20 connections dropped since last round")
	assert.InDelta(t, 20.0, r.Evidence["requests_per_second"], 1e-9)

	notStub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>welcome</html>")) }))
	t.Cleanup(notStub.Close)
	p, err = NewNginx(probes.Spec{StatusURL: notStub.URL})
	require.NoError(t, err)
	r = p.Run(context.Background())[0]
	assert.Equal(t, probes.Unknown, r.Status)
	assert.Contains(t, r.Err, "not a stub_status page")
}
