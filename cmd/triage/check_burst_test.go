package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/internal/testenv/grace"
)

// singleThreaded is a small HTTP server on loopback as some appliances and
// scripts are: listen backlog 5, one request at a time. It returns its URL.
func singleThreaded(t *testing.T) string {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, unix.Listen(fd, 5))
	f := os.NewFile(uintptr(fd), "single-threaded")
	l, err := net.FileListener(f) // a dup: the backlog is the one set above
	_ = f.Close()
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			r := bufio.NewReader(c)
			for { // read the request head, then answer and hang up
				line, err := r.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
			}
			_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = l.Close(); <-done })
	return "http://" + l.Addr().String()
}

// checkDoc is the part of `triage check --format json` these tests read.
type checkDoc struct {
	Layers []struct {
		Checks []struct {
			ID, Status, Summary string
			Value               *float64
		} `json:"checks"`
	} `json:"layers"`
}

func (d checkDoc) byID() map[string]string {
	out := map[string]string{}
	for _, l := range d.Layers {
		for _, c := range l.Checks {
			out[c.ID] = c.Status + ": " + c.Summary
		}
	}
	return out
}

// TestCheckObeysMaxPerAddress: 100 HTTP checks of one single-threaded server
// with a listen backlog of 5 all come back ok from a one-shot check: the
// per-address cap keeps triage from overflowing the server's queue itself.
func TestCheckObeysMaxPerAddress(t *testing.T) {
	url := singleThreaded(t)
	var b strings.Builder
	b.WriteString("estate: burst\ntimeout: 2s\ncomponents:\n")
	for i := range 100 {
		fmt.Fprintf(&b, "  - name: app-%03d\n    probes: [{kind: http, url: %q, expect_status: [200]}]\n", i, fmt.Sprintf("%s/health/%d", url, i))
	}
	cfg := filepath.Join(t.TempDir(), "triage.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(b.String()), 0o600))

	out, stderr, code := runTriage(t, buildTriage(t), nil, "check", "--config", cfg, "--format", "json")
	var doc checkDoc
	require.NoError(t, json.Unmarshal([]byte(out), &doc), stderr)
	got := doc.byID()
	require.Len(t, got, 200, "reachability and status of 100 components")
	for id, st := range got {
		assert.True(t, strings.HasPrefix(st, "ok: "), "%s: %s", id, st)
	}
	assert.Equal(t, 0, code, stderr)
}

// TestCheckHostAndSilentPortWithinTimeout: with a host probe (rate checks)
// and a silent port, check lasts one timeout: the host probe's second sample
// is taken while the silent port waits, not in a second round.
func TestCheckHostAndSilentPortWithinTimeout(t *testing.T) {
	const timeout = 2 * time.Second
	cfg := filepath.Join(t.TempDir(), "triage.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`estate: window
timeout: %s
components:
  - name: jump-host
    probes: [{kind: host}]
  - name: legacy
    probes: [{kind: tcp, address: %q}]
`, timeout, testenv.Silent(t))), 0o600))

	start := time.Now()
	out, stderr, _ := runTriage(t, buildTriage(t), nil, "check", "--config", cfg, "--format", "json", "--window", "1s")
	took := time.Since(start)
	var doc checkDoc
	require.NoError(t, json.Unmarshal([]byte(out), &doc), stderr)
	got := doc.byID()
	assert.Contains(t, got["legacy/tcp/connect"], "timed out")
	assert.NotContains(t, got["jump-host/host/cpu"], "first sample", "the rate was measured over the window")
	grace.Within(t, took, timeout*5/4, "one timeout and a start-up margin, not 2×timeout+window")
}
