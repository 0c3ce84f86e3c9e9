package tlscert

import (
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/tlscert/certtest"
)

const day = 24 * time.Hour

func newCA(t *testing.T, name string) *certtest.CA {
	t.Helper()
	ca, err := certtest.NewCA(name)
	require.NoError(t, err)
	return ca
}

func leaf(t *testing.T, ca *certtest.CA, notBefore, notAfter time.Time, hosts ...string) *x509.Certificate {
	t.Helper()
	c, err := ca.Issue(notBefore, notAfter, hosts...)
	require.NoError(t, err)
	return c.Leaf
}

func TestVerifyAndGrade(t *testing.T) {
	ca, stranger := newCA(t, "test CA"), newCA(t, "stranger CA")
	now := time.Now()
	expiredAt := now.Add(-2 * day)
	tests := []struct {
		name     string
		cert     *x509.Certificate
		host     string
		status   probes.Status
		summary  []string
		verified bool
		hostOK   any
	}{
		{"valid", leaf(t, ca, now.Add(-day), now.Add(90*day), "api.test"), "api.test",
			probes.OK, []string{"expires in 90 days"}, true, true},
		{"20 days warn", leaf(t, ca, now.Add(-day), now.Add(20*day), "api.test"), "api.test",
			probes.Warn, []string{"expires in 20 days (" + now.Add(20*day).UTC().Format(time.DateOnly) + ") (warn < 30 days)"}, true, true},
		{"3 days crit", leaf(t, ca, now.Add(-day), now.Add(3*day), "api.test"), "api.test",
			probes.Crit, []string{"expires in 3 days (" + now.Add(3*day).UTC().Format(time.DateOnly) + ") (crit < 7 days)"}, true, true},
		{"hours left", leaf(t, ca, now.Add(-day), now.Add(5*time.Hour), "api.test"), "api.test",
			probes.Crit, []string{"expires in 4 hours", "(crit < 7 days)"}, true, true},
		{"expired", leaf(t, ca, now.Add(-30*day), expiredAt, "api.test"), "api.test",
			probes.Crit, []string{"expired at " + expiredAt.UTC().Format("2006-01-02 15:04 UTC")}, false, true},
		{"not yet valid", leaf(t, ca, now.Add(2*day), now.Add(90*day), "api.test"), "api.test",
			probes.Crit, []string{"not valid before"}, false, true},
		{"wrong host", leaf(t, ca, now.Add(-day), now.Add(90*day), "other.test"), "api.test",
			probes.Crit, []string{"certificate is valid for other.test, not api.test", "expires in 90 days"}, true, false},
		{"ip host", leaf(t, ca, now.Add(-day), now.Add(90*day), "127.0.0.1"), "127.0.0.1",
			probes.OK, []string{"expires in 90 days"}, true, true},
		{"unknown CA", leaf(t, stranger, now.Add(-day), now.Add(90*day), "api.test"), "api.test",
			probes.Crit, []string{"certificate signed by unknown authority; expires in 90 days"}, false, true},
		{"expired and unknown CA", leaf(t, stranger, now.Add(-30*day), expiredAt, "api.test"), "api.test",
			probes.Crit, []string{"expired at ", "; certificate signed by unknown authority"}, false, true},
		{"no host checked", leaf(t, ca, now.Add(-day), now.Add(90*day), "other.test"), "",
			probes.OK, []string{"expires in 90 days"}, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := Verify([]*x509.Certificate{tc.cert}, Options{Roots: ca.Pool(), ServerName: tc.host, Now: now})
			r := rep.Result(DefaultThreshold)
			assert.Equal(t, tc.status, r.Status, r.Summary)
			for _, s := range tc.summary {
				assert.Contains(t, r.Summary, s)
			}
			assert.Equal(t, tc.verified, r.Evidence["chain_verified"])
			assert.Equal(t, tc.hostOK, r.Evidence["hostname_ok"])
			assert.Equal(t, "days", r.Unit)
			require.NotNil(t, r.Value)
			assert.InDelta(t, tc.cert.NotAfter.Sub(now).Hours()/24, *r.Value, 0.01)
			for _, k := range []string{"subject", "issuer", "not_before", "not_after", "days_left", "dns_names",
				"ip_addresses", "serial", "tls_version", "chain_verified", "hostname_ok", "verify_error"} {
				assert.Contains(t, r.Evidence, k)
			}
			if tc.status == probes.Crit && !rep.Verified() {
				assert.NotEmpty(t, r.Evidence["verify_error"])
				assert.NotEmpty(t, r.Err)
			}
			assert.Equal(t, rep.Err() == nil, tc.verified && tc.hostOK != false)
		})
	}
}

func TestIntermediateChain(t *testing.T) {
	root := newCA(t, "root")
	inter, err := root.Intermediate("intermediate")
	require.NoError(t, err)
	c, err := inter.Valid(90*day, "api.test")
	require.NoError(t, err)
	require.Len(t, c.Certificate, 2)
	chain, err := ParsePEM(certtest.ChainPEM(c))
	require.NoError(t, err)

	rep := Verify(chain, Options{Roots: root.Pool(), ServerName: "api.test"})
	assert.True(t, rep.Verified(), rep.Problems())
	assert.Equal(t, 2, rep.Result(DefaultThreshold).Evidence["chain_length"])

	rep = Verify(chain[:1], Options{Roots: root.Pool(), ServerName: "api.test"})
	assert.False(t, rep.Verified(), "leaf without its intermediate")
	assert.Equal(t, "certificate signed by unknown authority", Words(rep.ChainErr))
}

func TestThresholdOverride(t *testing.T) {
	ca := newCA(t, "test CA")
	lf := leaf(t, ca, time.Now().Add(-day), time.Now().Add(45*day), "api.test")
	th := probes.Spec{Thresholds: map[string]probes.Threshold{"certificate": {Warn: probes.V(60)}}}.Threshold(CheckName, DefaultThreshold)
	r := Verify([]*x509.Certificate{lf}, Options{Roots: ca.Pool(), ServerName: "api.test"}).Result(th)
	assert.Equal(t, probes.Warn, r.Status, r.Summary)
	assert.Contains(t, r.Summary, "(warn < 60 days)")
}

func TestNoCertificate(t *testing.T) {
	r := Verify(nil, Options{}).Result(DefaultThreshold)
	assert.Equal(t, probes.Crit, r.Status)
	assert.Equal(t, "no certificate", r.Summary)
	assert.True(t, errors.Is(Verify(nil, Options{}).ChainErr, ErrNoCertificate))
}
