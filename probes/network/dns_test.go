package network

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// startDNS serves handler over UDP on 127.0.0.1:0 and returns its address.
func startDNS(t *testing.T, handler dns.HandlerFunc) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: handler, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// answering replies with the given IPv4 (A) and IPv6 (AAAA) addresses.
func answering(v4, v6 string) dns.HandlerFunc {
	return func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		hdr := dns.RR_Header{Name: q.Question[0].Name, Class: dns.ClassINET, Ttl: 60}
		switch q.Question[0].Qtype {
		case dns.TypeA:
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP(v4)})
		case dns.TypeAAAA:
			if v6 != "" {
				hdr.Rrtype = dns.TypeAAAA
				m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.ParseIP(v6)})
			}
		}
		_ = w.WriteMsg(m)
	}
}

// failing replies with rcode.
func failing(rcode int) dns.HandlerFunc {
	return func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, rcode)
		_ = w.WriteMsg(m)
	}
}

// slow answers after delay.
func slow(delay time.Duration, h dns.HandlerFunc) dns.HandlerFunc {
	return func(w dns.ResponseWriter, q *dns.Msg) {
		time.Sleep(delay)
		h(w, q)
	}
}

// silentUDP reads queries and never answers.
func silentUDP(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { _ = pc.Close() })
	return pc.LocalAddr().String()
}

func runDNS(t *testing.T, spec probes.Spec, timeout time.Duration) (probes.Result, time.Duration) {
	t.Helper()
	d, err := NewDNS(spec)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	rs := d.Run(ctx)
	require.Len(t, rs, 1)
	return rs[0], time.Since(start)
}

func TestDNSResolvers(t *testing.T) {
	good := startDNS(t, answering("192.0.2.10", "2001:db8::10"))
	good2 := startDNS(t, answering("192.0.2.10", "2001:db8::10"))
	other := startDNS(t, answering("192.0.2.99", ""))
	servfail := startDNS(t, failing(dns.RcodeServerFailure))
	nxdomain := startDNS(t, failing(dns.RcodeNameError))
	empty := startDNS(t, func(w dns.ResponseWriter, q *dns.Msg) { m := new(dns.Msg); m.SetReply(q); _ = w.WriteMsg(m) })
	slowOne := startDNS(t, slow(250*time.Millisecond, answering("192.0.2.10", "2001:db8::10")))
	silent := silentUDP(t)

	tests := []struct {
		name      string
		resolvers []string
		status    probes.Status
		summary   string
	}{
		{"answering", []string{good}, probes.OK, "invoice.test → 192.0.2.10 2001:db8::10 from 1 resolver(s)"},
		{"two agree", []string{good, good2}, probes.OK, "from 2 resolver(s)"},
		{"servfail", []string{servfail}, probes.Crit, servfail + " SERVFAIL"},
		{"nxdomain", []string{nxdomain}, probes.Crit, nxdomain + " NXDOMAIN"},
		{"no records", []string{empty}, probes.Crit, "no A/AAAA records"},
		{"silent", []string{silent}, probes.Crit, silent + " timed out"},
		{"one of two silent", []string{good, silent}, probes.Crit, "(1 of 2 resolvers failing)"},
		{"split", []string{good, other}, probes.Warn, "split answers: " + good + " [192.0.2.10 2001:db8::10] vs " + other + " [192.0.2.99]"},
		{"slow", []string{slowOne}, probes.Warn, "> 200 ms warn"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const timeout = time.Second
			r, took := runDNS(t, probes.Spec{Name: "invoice.test", Resolvers: tc.resolvers}, timeout)
			t.Logf("%s: %s", r.Status, r.Summary)
			assert.Equal(t, tc.status, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tc.summary)
			grace.Within(t, took, timeout, tc.name)
			ev, ok := r.Evidence["resolvers"].([]map[string]any)
			require.True(t, ok)
			require.Len(t, ev, len(tc.resolvers))
			for _, e := range ev {
				for _, k := range []string{"resolver", "rcode", "latency_ms", "answers", "error"} {
					assert.Contains(t, e, k)
				}
			}
		})
	}
}

func TestDNSEvidenceOfFailure(t *testing.T) {
	nx := startDNS(t, failing(dns.RcodeNameError))
	silent := silentUDP(t)
	r, _ := runDNS(t, probes.Spec{Name: "gone.test.", Resolvers: []string{nx, silent}, Count: 2}, 600*time.Millisecond)
	ev := r.Evidence["resolvers"].([]map[string]any)
	assert.Equal(t, "NXDOMAIN", ev[0]["rcode"])
	assert.Empty(t, ev[0]["error"])
	assert.Equal(t, "", ev[1]["rcode"])
	assert.Contains(t, ev[1]["error"], "timed out after")
	assert.Contains(t, r.Err, silent)
	assert.Equal(t, "gone.test", r.Evidence["name"])
}

func TestDNSResolvConf(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	require.NoError(t, os.WriteFile(conf, []byte("nameserver 127.0.0.1\nnameserver ::1\n"), 0o600))
	d, err := NewDNS(probes.Spec{Name: "invoice.test"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()

	d.resolvConf = conf
	rs := d.Run(ctx)
	ev := rs[0].Evidence["resolvers"].([]map[string]any)
	require.Len(t, ev, 2)
	assert.Equal(t, "127.0.0.1:53", ev[0]["resolver"])
	assert.Equal(t, "[::1]:53", ev[1]["resolver"])

	d.resolvConf = filepath.Join(dir, "missing")
	rs = d.Run(ctx)
	assert.Equal(t, probes.Unknown, rs[0].Status)
	assert.Contains(t, rs[0].Summary, "no resolvers")
}

func TestDNSThresholdOverride(t *testing.T) {
	slowOne := startDNS(t, slow(120*time.Millisecond, answering("192.0.2.10", "")))
	r, _ := runDNS(t, probes.Spec{Name: "invoice.test", Resolvers: []string{slowOne},
		Thresholds: map[string]probes.Threshold{"resolve": {Warn: probes.V(50), Crit: probes.V(100)}}}, time.Second)
	assert.Equal(t, probes.Crit, r.Status, r.Summary)
	assert.Contains(t, r.Summary, "> 100 ms crit")
	require.NotNil(t, r.Value)
	assert.GreaterOrEqual(t, *r.Value, 120.0)
}

func TestWithPort(t *testing.T) {
	tests := []struct{ in, want string }{
		{"10.0.0.2", "10.0.0.2:53"},
		{"10.0.0.2:5353", "10.0.0.2:5353"},
		{"::1", "[::1]:53"},
		{"[::1]:5353", "[::1]:5353"},
		{"ns1.example", "ns1.example:53"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) { assert.Equal(t, tc.want, withPort(tc.in, "53")) })
	}
}
