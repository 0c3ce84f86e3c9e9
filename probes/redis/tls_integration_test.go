package redis

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fivelayer/triage/probes"
)

// writeCerts makes a CA and a server certificate for 127.0.0.1 (name
// "redis.test") and writes ca.pem, server.pem, server.key into dir.
func writeCerts(t *testing.T, dir string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "triage test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	srv := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "redis.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"redis.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, srv, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	write := func(name, typ string, b []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600))
	}
	write("ca.pem", "CERTIFICATE", caDER)
	write("server.pem", "CERTIFICATE", der)
	write("server.key", "EC PRIVATE KEY", keyDER)
}

func TestTLSIntegration(t *testing.T) {
	dir := t.TempDir()
	writeCerts(t, dir)
	addr, _ := startRedisStop(t, "--tls-port",
		"--tls-cert-file", filepath.Join(dir, "server.pem"), "--tls-key-file", filepath.Join(dir, "server.key"),
		"--tls-ca-cert-file", filepath.Join(dir, "ca.pem"), "--tls-auth-clients", "no")
	ca := filepath.Join(dir, "ca.pem")
	tests := []struct {
		name    string
		spec    probes.Spec
		status  probes.Status
		summary string
	}{
		{"verified", probes.Spec{Address: addr, TLS: true, CAFile: ca}, probes.OK, "clients connected"},
		{"server_name", probes.Spec{Address: addr, TLS: true, CAFile: ca, ServerName: "redis.test"}, probes.OK, "clients connected"},
		{"unknown CA", probes.Spec{Address: addr, TLS: true}, probes.Crit, "unknown authority (set ca_file)"},
		{"wrong name", probes.Spec{Address: addr, TLS: true, CAFile: ca, ServerName: "other.test"}, probes.Crit, "(set server_name)"},
		{"plain text to a TLS port", probes.Spec{Address: addr}, probes.Crit, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runOnce(t, newProbe(t, tt.spec, ""), 2*time.Second)[CheckClients]
			assert.Equal(t, tt.status, res.Status, res.Summary)
			assert.Contains(t, res.Summary, tt.summary)
			t.Logf("%s: %s", tt.name, res.Summary)
		})
	}
}
