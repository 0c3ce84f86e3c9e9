package mysql

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/internal/testenv"
	"github.com/fivelayer/triage/probes"
)

// stallProxy forwards loopback connections to a real server, keeps the text
// of every query the clients send, and swallows one chosen query (the
// server never sees it, so the client waits for an answer that never comes:
// a real server gone silent in the middle of a round).
type stallProxy struct {
	addr   string
	target string

	mu      sync.Mutex
	queries []string
	stallAt int // the n-th query overall (1-based) is swallowed; 0: none
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	p := &stallProxy{addr: l.Addr().String(), target: target}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(t, c)
		}
	}()
	return p
}

func (p *stallProxy) serve(t *testing.T, c net.Conn) {
	defer c.Close()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		t.Logf("proxy: %v", err)
		return
	}
	defer s.Close()
	go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
	hdr := make([]byte, 4)
	for {
		if _, err := io.ReadFull(c, hdr); err != nil {
			return
		}
		n := int(binary.LittleEndian.Uint32(append(hdr[:3:3], 0)))
		payload := make([]byte, n)
		if _, err := io.ReadFull(c, payload); err != nil {
			return
		}
		// A command starts at sequence 0; COM_QUERY is 0x03.
		if hdr[3] == 0 && n > 0 && payload[0] == 0x03 {
			p.mu.Lock()
			p.queries = append(p.queries, string(payload[1:]))
			swallow := len(p.queries) == p.stallAt
			p.mu.Unlock()
			if swallow {
				_, _ = io.Copy(io.Discard, c) // hold the connection, answer nothing
				return
			}
		}
		if _, err := s.Write(append(hdr, payload...)); err != nil {
			return
		}
	}
}

func (p *stallProxy) sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.queries...)
}

// TestSnapshotTimeoutIntegration: the server stops answering in the middle
// of the first round (after SHOW GLOBAL VARIABLES, during the snapshot).
// No check may read ok, and the next round runs without the fragmentation
// scan that might have been what ran out of time.
func TestSnapshotTimeoutIntegration(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	cfg, err := driver.ParseDSN(dsn)
	require.NoError(t, err)
	proxy := newStallProxy(t, cfg.Addr)
	proxy.stallAt = 2
	cfg.Addr = proxy.addr
	p := newProbe(t, cfg.FormatDSN())
	const timeout = 2 * time.Second
	res := runOnce(t, p, timeout)
	sent := proxy.sent()
	require.GreaterOrEqual(t, len(sent), 2)
	require.True(t, strings.HasPrefix(sent[1], "SELECT /* triage round */"), "the snapshot was the swallowed query")
	require.Contains(t, sent[1], "frag_json", "the first round's snapshot carries the scan")
	for name, r := range res {
		assert.NotEqual(t, probes.OK, r.Status, "%s: %s", name, r.Summary)
		assert.Contains(t, []probes.Status{probes.Unknown, probes.Crit}, r.Status, name)
	}
	t.Logf("connections: %s %s", res[CheckConnections].Status, res[CheckConnections].Summary)

	before := len(proxy.sent())
	next := runOnce(t, p, 5*time.Second)
	assert.Equal(t, probes.OK, next[CheckConnections].Status, next[CheckConnections].Summary)
	for _, q := range proxy.sent()[before:] {
		assert.NotContains(t, q, "frag_json", "the scan waits a minute after a timeout")
	}
	assert.Equal(t, probes.Unknown, next[CheckFragmentation].Status, next[CheckFragmentation].Summary)
}
