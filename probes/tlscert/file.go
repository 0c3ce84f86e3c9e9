package tlscert

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/fivelayer/triage/probes"
)

// CertFileKind is the `cert_file` probe kind: a PEM certificate on disk.
var CertFileKind = probes.Kind{
	Name:       "cert_file",
	Thresholds: map[string]probes.Threshold{"certificate": DefaultThreshold},
	Doc: "PEM certificate file at path (leaf first, then intermediates): expiry (< 30 days warn, < 7 crit, " +
		"expired crit), chain against system roots or ca_file, hostname when server_name is given",
	Required: [][]string{{"path"}},
	Allowed:  []string{"path", "ca_file", "server_name"},
	Checks:   []probes.Check{Check},
	New:      func(s probes.Spec) (probes.Probe, error) { return NewCertFile(s) },
}

// CertFile is a `cert_file` probe instance.
type CertFile struct {
	path       string
	serverName string
	caFile     string
	threshold  probes.Threshold
}

var _ probes.Probe = (*CertFile)(nil)

// NewCertFile builds a cert_file probe.
func NewCertFile(s probes.Spec) (*CertFile, error) {
	if s.Path == "" {
		return nil, errors.New("cert_file: path is empty")
	}
	return &CertFile{path: s.Path, serverName: s.ServerName, caFile: s.CAFile,
		threshold: s.Threshold(CheckName, DefaultThreshold)}, nil
}

// Checks lists `certificate`.
func (p *CertFile) Checks() []probes.Check { return []probes.Check{Check} }

// Run reads the file each round (certificates get renewed in place) and
// grades it. An unreadable file is unknown; a file without a certificate is crit.
func (p *CertFile) Run(ctx context.Context) []probes.Result {
	res := p.run()
	res.Evidence["path"] = p.path
	return []probes.Result{res}
}

func (p *CertFile) run() probes.Result {
	roots, err := LoadRoots(p.caFile)
	if err != nil {
		return Unmeasured(err.Error(), err)
	}
	b, err := os.ReadFile(p.path)
	if err != nil {
		why := err.Error()
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			why = pe.Err.Error()
		}
		return Unmeasured("cannot read "+p.path+": "+why, err)
	}
	certs, err := ParsePEM(b)
	if err != nil {
		r := probes.Result{Check: CheckName, Status: probes.Crit, Unit: "days",
			Summary: p.path + ": " + err.Error(), Err: err.Error(), Evidence: map[string]any{}}
		return r
	}
	return Verify(certs, Options{Roots: roots, ServerName: p.serverName}).Result(p.threshold)
}

// ParsePEM returns the certificates in b in order; other blocks (keys) are skipped.
func ParsePEM(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("no PEM certificate: %w", ErrNoCertificate)
	}
	return certs, nil
}
