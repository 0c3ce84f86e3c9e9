package host

import (
	"net/http"

	"github.com/fivelayer/triage/probes"
)

// newTransport builds an HTTP transport that trusts the system roots plus
// caFile when given, and verifies against serverName when given.
func newTransport(caFile, serverName string) (*http.Transport, error) {
	tc, err := probes.TLSConfig(caFile, serverName)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	tr.Proxy = nil // probes measure the target, not a proxy in between
	tr.MaxIdleConnsPerHost = 4
	return tr, nil
}

// unknownAll gives every check the same unknown status, summary and error.
func unknownAll(checks []string, summary string, err error) []probes.Result {
	out := make([]probes.Result, 0, len(checks))
	for _, c := range checks {
		out = append(out, unknown(c, summary, err))
	}
	return out
}
