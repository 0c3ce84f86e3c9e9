package tlscert

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fivelayer/triage/internal/testenv/grace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/lab"
	"github.com/fivelayer/triage/probes/tlscert/certtest"
)

// serveTLS accepts TLS connections on 127.0.0.1:0 with cfg, completes the
// handshake and closes; it returns the address.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	return ln.Addr().String()
}

func runTLS(t *testing.T, spec probes.Spec, timeout time.Duration) (probes.Result, time.Duration) {
	t.Helper()
	p, err := NewTLS(spec)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	rs := p.Run(ctx)
	require.Len(t, rs, 1)
	return rs[0], time.Since(start)
}

func TestTLSProbe(t *testing.T) {
	ca, stranger := newCA(t, "test CA"), newCA(t, "stranger CA")
	caFile, err := ca.WriteFile(t.TempDir())
	require.NoError(t, err)
	issue := func(ca interface {
		Valid(time.Duration, ...string) (tls.Certificate, error)
	}, d time.Duration, hosts ...string) *tls.Config {
		c, err := ca.Valid(d, hosts...)
		require.NoError(t, err)
		return &tls.Config{Certificates: []tls.Certificate{c}}
	}
	expired, err := ca.Issue(time.Now().Add(-40*day), time.Now().Add(-3*day), "127.0.0.1")
	require.NoError(t, err)

	valid := serveTLS(t, issue(ca, 90*day, "127.0.0.1", "api.test"))
	threeDays := serveTLS(t, issue(ca, 3*day, "127.0.0.1"))
	expiredAddr := serveTLS(t, &tls.Config{Certificates: []tls.Certificate{expired}})
	wrongHost := serveTLS(t, issue(ca, 90*day, "other.test"))
	unknownCA := serveTLS(t, issue(stranger, 90*day, "127.0.0.1"))
	old := issue(ca, 90*day, "127.0.0.1")
	old.MaxVersion = tls.VersionTLS10
	tls10 := serveTLS(t, old)
	refused, err := lab.RefusedAddr()
	require.NoError(t, err)
	hanging, err := lab.NewHanging()
	require.NoError(t, err)
	t.Cleanup(hanging.Close)

	tests := []struct {
		name    string
		spec    probes.Spec
		status  probes.Status
		summary string
	}{
		{"valid", probes.Spec{Address: valid, CAFile: caFile}, probes.OK, "expires in 90 days"},
		{"server_name", probes.Spec{Address: valid, CAFile: caFile, ServerName: "api.test"}, probes.OK, "expires in 90 days"},
		{"3 days", probes.Spec{Address: threeDays, CAFile: caFile}, probes.Crit, "expires in 3 days"},
		{"expired", probes.Spec{Address: expiredAddr, CAFile: caFile}, probes.Crit,
			"expired at " + expired.Leaf.NotAfter.UTC().Format("2006-01-02 15:04 UTC")},
		{"wrong host", probes.Spec{Address: wrongHost, CAFile: caFile, ServerName: "api.test"}, probes.Crit, "certificate is valid for other.test, not api.test"},
		{"wrong host by IP", probes.Spec{Address: wrongHost, CAFile: caFile}, probes.Crit, "cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		{"unknown CA", probes.Spec{Address: unknownCA, CAFile: caFile}, probes.Crit, "certificate signed by unknown authority"},
		{"system roots", probes.Spec{Address: valid}, probes.Crit, "certificate signed by unknown authority"},
		{"TLS 1.0 only", probes.Spec{Address: tls10, CAFile: caFile}, probes.Crit, "handshake failed: "},
		{"refused", probes.Spec{Address: refused}, probes.Unknown, "not measured: connection refused"},
		{"silent", probes.Spec{Address: hanging.Addr}, probes.Unknown, "not measured: timed out during the TLS handshake"},
		{"missing ca_file", probes.Spec{Address: valid, CAFile: "/nonexistent/ca.pem"}, probes.Unknown, "ca_file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Long enough for a handshake under -race on a busy machine;
			// only the silent case waits for it.
			timeout := grace.Scale(time.Second)
			r, took := runTLS(t, tc.spec, timeout)
			t.Logf("%s: %s", r.Status, r.Summary)
			assert.Equal(t, tc.status, r.Status, r.Summary)
			assert.Contains(t, r.Summary, tc.summary)
			grace.Within(t, took, timeout, tc.name)
			if tc.status == probes.OK {
				assert.Equal(t, "TLS 1.3", r.Evidence["tls_version"])
				assert.Equal(t, tc.spec.Address, r.Evidence["address"])
				assert.Equal(t, true, r.Evidence["chain_verified"])
				assert.Equal(t, true, r.Evidence["hostname_ok"])
			}
		})
	}
}

func TestNewTLSDefaults(t *testing.T) {
	p, err := NewTLS(probes.Spec{Address: "api.test"})
	require.NoError(t, err)
	assert.Equal(t, "api.test:443", p.address)
	assert.Equal(t, "api.test", p.serverName)
	p, err = NewTLS(probes.Spec{Address: "10.0.0.1:8443", ServerName: "api.test"})
	require.NoError(t, err)
	assert.Equal(t, "api.test", p.serverName)
	_, err = NewTLS(probes.Spec{Address: ":443"})
	assert.Error(t, err)
}

func TestCertFile(t *testing.T) {
	ca, stranger := newCA(t, "test CA"), newCA(t, "stranger CA")
	dir := t.TempDir()
	caFile, err := ca.WriteFile(dir)
	require.NoError(t, err)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	pemOf := func(ca interface {
		Valid(time.Duration, ...string) (tls.Certificate, error)
	}, d time.Duration) []byte {
		c, err := ca.Valid(d, "api.test")
		require.NoError(t, err)
		return certtest.ChainPEM(c)
	}
	expired, err := ca.Issue(time.Now().Add(-40*day), time.Now().Add(-3*day), "api.test")
	require.NoError(t, err)

	tests := []struct {
		name    string
		spec    probes.Spec
		status  probes.Status
		summary string
	}{
		{"valid", probes.Spec{Path: write("valid.pem", pemOf(ca, 90*day)), CAFile: caFile, ServerName: "api.test"}, probes.OK, "expires in 90 days"},
		{"3 days", probes.Spec{Path: write("3d.pem", pemOf(ca, 3*day)), CAFile: caFile}, probes.Crit, "expires in 3 days"},
		{"expired", probes.Spec{Path: write("expired.pem", certtest.ChainPEM(expired)), CAFile: caFile}, probes.Crit, "expired at "},
		{"wrong host", probes.Spec{Path: write("host.pem", pemOf(ca, 90*day)), CAFile: caFile, ServerName: "www.test"}, probes.Crit, "not www.test"},
		{"unknown CA", probes.Spec{Path: write("stranger.pem", pemOf(stranger, 90*day)), CAFile: caFile}, probes.Crit, "unknown authority"},
		{"not PEM", probes.Spec{Path: write("junk.pem", []byte("hello"))}, probes.Crit, "no PEM certificate"},
		{"missing", probes.Spec{Path: filepath.Join(dir, "nope.pem")}, probes.Unknown, "cannot read " + filepath.Join(dir, "nope.pem") + ": no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewCertFile(tc.spec)
			require.NoError(t, err)
			rs := p.Run(context.Background())
			require.Len(t, rs, 1)
			assert.Equal(t, tc.status, rs[0].Status, rs[0].Summary)
			assert.Contains(t, rs[0].Summary, tc.summary)
			assert.Equal(t, tc.spec.Path, rs[0].Evidence["path"])
			if _, ok := rs[0].Evidence["subject"]; ok {
				assert.Equal(t, "", rs[0].Evidence["tls_version"], "files have no protocol")
			}
		})
	}
}

func TestKinds(t *testing.T) {
	for _, k := range []probes.Kind{TLSKind, CertFileKind} {
		require.Len(t, k.Checks, 1)
		assert.Equal(t, Check, k.Checks[0])
		assert.True(t, k.Checks[0].Latent)
		assert.NotEmpty(t, k.Doc)
	}
	_, err := CertFileKind.New(probes.Spec{})
	assert.Error(t, err)
}
