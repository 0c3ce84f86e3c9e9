package network

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
	"github.com/fivelayer/triage/probes/tlscert"
)

// The http kind's checks.
var (
	reachCheck  = probes.Check{Name: "reachability", Layer: probes.Network, OnTimeout: probes.Crit, UserFacing: true}
	statusCheck = probes.Check{Name: "status", Layer: probes.Application, OnTimeout: probes.Crit, UserFacing: true}
)

// bodyCap is how much of a response body is read (enough for any health JSON).
const bodyCap = 64 << 10

// HTTPKind is the `http` probe kind: one GET per round, timed phase by phase.
var HTTPKind = probes.Kind{
	Name:       "http",
	Thresholds: map[string]probes.Threshold{"certificate": tlscert.DefaultThreshold},
	Doc: "GET url: reachability with phases dns/connect/tls/first byte/total; status (expect_status, default " +
		"200-399; 5xx crit; Spring Boot actuator health JSON with its components); certificate for https",
	Required: [][]string{{"url"}},
	Allowed:  []string{"url", "expect_status", "ca_file", "server_name"},
	Checks:   []probes.Check{reachCheck, statusCheck, tlscert.Check},
	New:      func(s probes.Spec) (probes.Probe, error) { return NewHTTP(s) },
}

// HTTP is an `http` probe instance.
type HTTP struct {
	url        *url.URL
	expect     []int
	caFile     string
	serverName string
	reachTh    probes.Threshold
	certTh     probes.Threshold
}

var _ probes.Probe = (*HTTP)(nil)

// NewHTTP builds an http probe for an http or https URL.
func NewHTTP(s probes.Spec) (*HTTP, error) {
	u, err := url.Parse(s.URL)
	if err != nil {
		return nil, fmt.Errorf("http: url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("http: url %s: scheme must be http or https", u.Redacted())
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("http: url %s has no host", u.Redacted())
	}
	return &HTTP{url: u, expect: s.ExpectStatus, caFile: s.CAFile, serverName: s.ServerName,
		// reachability has no default bound: set warn/crit on total_ms in config.
		reachTh: s.Threshold(reachCheck.Name, probes.Threshold{}),
		certTh:  s.Threshold(tlscert.CheckName, tlscert.DefaultThreshold)}, nil
}

// https reports whether the probe speaks TLS (and so yields `certificate`).
func (p *HTTP) https() bool { return p.url.Scheme == "https" }

// Checks lists reachability and status, and certificate for https URLs.
func (p *HTTP) Checks() []probes.Check {
	if p.https() {
		return []probes.Check{reachCheck, statusCheck, tlscert.Check}
	}
	return []probes.Check{reachCheck, statusCheck}
}

// httpExchange is one request's outcome.
type httpExchange struct {
	tm      *timings
	resp    *http.Response
	body    []byte
	trunc   bool
	err     error // the request failed: no response
	bodyErr error // the response came but its body could not be read
}

// Run sends one GET over a fresh connection (a new transport per round,
// keep-alives off, so connect and TLS are measured every time) and grades
// the three checks from it.
func (p *HTTP) Run(ctx context.Context) []probes.Result {
	ctx, cancel := probes.WithMargin(ctx)
	defer cancel()
	roots, err := tlscert.LoadRoots(p.caFile)
	if err != nil {
		return p.all(probes.Unknown, "not measured: "+err.Error(), err)
	}
	x := p.do(ctx, roots)
	out := []probes.Result{p.reachability(x), p.status(x)}
	if p.https() {
		out = append(out, p.certificate(x))
	}
	return out
}

// all gives every check the same status and summary.
func (p *HTTP) all(st probes.Status, summary string, err error) []probes.Result {
	var out []probes.Result
	for _, c := range p.Checks() {
		out = append(out, probes.Result{Check: c.Name, Status: st, Summary: summary, Err: err.Error(),
			Evidence: map[string]any{"url": p.url.Redacted()}})
	}
	return out
}

func (p *HTTP) do(ctx context.Context, roots *x509.CertPool) httpExchange {
	tm := &timings{}
	name := p.serverName
	if name == "" {
		name = p.url.Hostname()
	}
	cfg := &tls.Config{
		ServerName: p.serverName, // empty: the transport sends the URL's host
		// The library's verification is replaced by tlscert.Verify, whose
		// error aborts the handshake: no request is sent over a connection
		// that failed verification, and the certificate is still reported.
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection
		VerifyConnection: func(cs tls.ConnectionState) error {
			r := tlscert.Verify(cs.PeerCertificates, tlscert.Options{Roots: roots, ServerName: name})
			r.TLSVersion = tls.VersionName(cs.Version)
			tm.setReport(&r)
			return r.Err()
		},
	}
	tr := &http.Transport{
		Proxy:                  nil, // measure the path to the server, not to a proxy
		DialContext:            (&net.Dialer{}).DialContext,
		TLSClientConfig:        cfg,
		DisableKeepAlives:      true,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 1 << 20,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(tm.trace(ctx), http.MethodGet, p.url.String(), nil)
	if err != nil {
		return httpExchange{tm: tm, err: fmt.Errorf("request: %w", err)}
	}
	req.Header.Set("User-Agent", "triage")
	req.Header.Set("Accept", "application/json, */*;q=0.5")
	tm.begin()
	resp, err := client.Do(req)
	if err != nil {
		tm.end()
		return httpExchange{tm: tm, err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, bodyCap+1))
	tm.end()
	x := httpExchange{tm: tm, resp: resp, body: body, bodyErr: err}
	if len(body) > bodyCap {
		x.body, x.trunc = body[:bodyCap], true
	}
	return x
}

// reachability grades whether a response came and how long each phase took.
func (p *HTTP) reachability(x httpExchange) probes.Result {
	s := x.tm.snapshot()
	r := probes.Result{Check: reachCheck.Name, Unit: "ms", For: p.reachTh.ForDuration(), Evidence: s.evidence()}
	r.Evidence["url"] = p.url.Redacted()
	if x.err != nil || x.bodyErr != nil {
		err := x.err
		if err == nil {
			err = x.bodyErr
		}
		r.Status, r.Err = probes.Crit, err.Error()
		r.Summary = p.failure(err, s)
		r.Evidence["stage"] = s.stage(p.https())
		r.Evidence["error"] = r.Summary
		return r
	}
	r.Evidence["http_version"] = x.resp.Proto
	r.Evidence["error"] = ""
	total := millis(s.total())
	r.Value = probes.V(total)
	r.Status = p.reachTh.Grade(total)
	r.Summary = fmt.Sprintf("%s from %s in %g ms (%s)", x.resp.Proto, s.remote, total, s.phases(p.https()))
	switch r.Status {
	case probes.Crit:
		r.Summary += fmt.Sprintf(" > %g ms crit", *p.reachTh.Crit)
	case probes.Warn:
		r.Summary += fmt.Sprintf(" > %g ms warn", *p.reachTh.Warn)
	}
	return r
}

// failure says why no response came, in words, with the stage it stopped at.
func (p *HTTP) failure(err error, s timingSnap) string {
	var ve *tlscert.VerifyError
	stage := s.stage(p.https())
	switch {
	case errors.As(err, &ve):
		return "TLS: " + ve.Msg + " (no request sent)"
	case s.tlsErr != nil && !handshakeCut(s.tlsErr):
		return "TLS handshake failed: " + tlscert.Words(s.tlsErr)
	case probes.TimedOut(err):
		return fmt.Sprintf("timed out after %g ms during %s", millis(s.total()), stage)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return probes.ErrWords(err) + " during " + stage
}

// handshakeCut reports a handshake that did not fail but was cut short: by
// its deadline, or cancelled by the transport when the request's deadline
// passed first. Either way the certificate was not measured.
func handshakeCut(err error) bool {
	return probes.TimedOut(err) || errors.Is(err, context.Canceled)
}

// certificate grades the certificate the server presented, if any.
func (p *HTTP) certificate(x httpExchange) probes.Result {
	s := x.tm.snapshot()
	var r probes.Result
	switch {
	case s.report != nil:
		r = s.report.Result(p.certTh)
	case s.tlsErr != nil && !handshakeCut(s.tlsErr):
		r = tlscert.HandshakeFailed(s.tlsErr, s.version)
	case x.err != nil:
		r = tlscert.Unmeasured(p.failure(x.err, s), x.err)
	default:
		r = tlscert.Unmeasured("no certificate seen", nil)
	}
	r.Evidence["url"] = p.url.Redacted()
	return r
}

// expected says which status codes pass, for summaries and evidence.
func (p *HTTP) expected() string {
	if len(p.expect) == 0 {
		return "200-399"
	}
	ss := make([]string, len(p.expect))
	for i, c := range p.expect {
		ss[i] = fmt.Sprint(c)
	}
	return strings.Join(ss, ",")
}

// accepts reports whether code is an expected status.
func (p *HTTP) accepts(code int) bool {
	if len(p.expect) == 0 {
		return code >= 200 && code < 400
	}
	for _, c := range p.expect {
		if c == code {
			return true
		}
	}
	return false
}

// sinceMs is the time from a to b in ms, 0 when either is unset.
func sinceMs(a, b time.Time) float64 {
	if a.IsZero() || b.IsZero() {
		return 0
	}
	return millis(b.Sub(a))
}
