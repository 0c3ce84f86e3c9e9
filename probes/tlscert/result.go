package tlscert

import (
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
)

// CheckName is the check every certificate-reading probe yields.
const CheckName = "certificate"

// Check is the `certificate` check: security layer, a latent risk while it
// only warns; unknown when the probe times out (a timeout is the network's
// verdict, not the certificate's). Its thresholds count down (days left).
var Check = probes.Check{Name: CheckName, Layer: probes.Security, OnTimeout: probes.Unknown, Latent: true, Below: true}

// DefaultThreshold grades days to expiry: < 30 warn, < 7 crit (docs/config.md).
var DefaultThreshold = probes.BelowT(30, 7)

// Result grades r: any verification problem (expired, not yet valid,
// untrusted chain, wrong host) is crit; otherwise the days to expiry are
// graded by th. The summary names the problems and the expiry date.
func (r Report) Result(th probes.Threshold) probes.Result {
	res := probes.Result{Check: CheckName, Unit: "days", For: th.ForDuration(), Evidence: r.Evidence()}
	if r.Leaf == nil {
		res.Status, res.Summary, res.Impact = probes.Crit, Words(r.ChainErr), probes.UserFacing
		if r.ChainErr != nil {
			res.Err = r.ChainErr.Error()
		}
		return res
	}
	days := math.Round(r.DaysLeft()*100) / 100
	res.Value = probes.V(days)
	res.Status = th.Grade(days)
	parts := r.Problems()
	if len(parts) > 0 { // expired, untrusted, wrong host: clients fail now
		res.Status, res.Impact = probes.Crit, probes.UserFacing
		res.Err = strings.Join(parts, "; ")
	}
	if !r.Expired {
		parts = append(parts, expiry(r.Leaf.NotAfter, r.DaysLeft(), th))
	}
	res.Summary = strings.Join(parts, "; ")
	return res
}

// expiry says "expires in 3 days (2026-11-28)" and the bound it breaks.
func expiry(notAfter time.Time, days float64, th probes.Threshold) string {
	var s string
	switch n := int(math.Round(days)); {
	case days < 1:
		s = fmt.Sprintf("expires in %d hours (%s)", int(days*24), stamp(notAfter))
	case n == 1:
		s = fmt.Sprintf("expires in 1 day (%s)", notAfter.UTC().Format(time.DateOnly))
	default:
		s = fmt.Sprintf("expires in %d days (%s)", n, notAfter.UTC().Format(time.DateOnly))
	}
	if b := th.Breach(th.Grade(days), "days"); b != "" {
		s += " (" + b + ")"
	}
	return s
}

// Evidence is what the drill-down shows about the certificate.
func (r Report) Evidence() map[string]any {
	ev := map[string]any{
		"chain_verified": r.Verified(), "tls_version": r.TLSVersion, "server_name": r.ServerName,
		"verify_error": strings.Join(r.Problems(), "; "), "chain_length": r.Presented,
		"hostname_ok": nil,
	}
	if r.ServerName != "" {
		ev["hostname_ok"] = r.HostnameOK()
	}
	if r.Leaf == nil {
		return ev
	}
	l := r.Leaf
	names, ips := append([]string{}, l.DNSNames...), []string{}
	for _, ip := range l.IPAddresses {
		ips = append(ips, ip.String())
	}
	ev["subject"] = l.Subject.String()
	ev["issuer"] = l.Issuer.String()
	ev["not_before"] = l.NotBefore.UTC().Format(time.RFC3339)
	ev["not_after"] = l.NotAfter.UTC().Format(time.RFC3339)
	ev["days_left"] = math.Round(r.DaysLeft()*100) / 100
	ev["dns_names"] = names
	ev["ip_addresses"] = ips
	ev["serial"] = hex.EncodeToString(l.SerialNumber.Bytes())
	return ev
}

// Unmeasured is the result when no certificate could be read because the
// connection did not get that far (refused, timed out): unknown, since the
// reachability check owns that failure. why is err in words.
func Unmeasured(why string, err error) probes.Result {
	r := probes.Result{Check: CheckName, Status: probes.Unknown, Unit: "days",
		Summary: "not measured: " + why, Evidence: map[string]any{}}
	if err != nil {
		r.Err = err.Error()
	}
	return r
}

// HandshakeFailed is the result when the TLS handshake failed before a
// certificate was seen (protocol version, cipher, an alert): crit.
func HandshakeFailed(err error, tlsVersion string) probes.Result {
	return probes.Result{Check: CheckName, Status: probes.Crit, Unit: "days",
		Summary: "handshake failed: " + Words(err), Err: err.Error(),
		Evidence: map[string]any{"verify_error": Words(err), "tls_version": tlsVersion, "chain_verified": false}}
}
