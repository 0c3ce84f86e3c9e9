package probes

import (
	"net"
	"net/url"
	"strings"
)

// Endpoint is the host:port a probe of this spec connects to, for the
// per-address concurrency cap: its address, else its URL's host with the
// scheme's default port. Probes that reach no single server (the local host,
// a certificate file, a DSN kept secret) have none, and are not capped.
func (s Spec) Endpoint() string {
	if s.Address != "" {
		return strings.ToLower(s.Address)
	}
	if s.URL == "" {
		return ""
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" {
		return ""
	}
	if u.Port() != "" {
		return strings.ToLower(u.Host)
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}
