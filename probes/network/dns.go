package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/fivelayer/triage/probes"
)

// resolveCheck is the dns kind's only check.
var resolveCheck = probes.Check{Name: "resolve", Layer: probes.Network, OnTimeout: probes.Crit, UserFacing: true}

// DefaultResolve grades the slowest resolver's latency in ms: a resolver
// that needs more than 200 ms is slow enough for users to feel it in every
// new connection, one that needs a second is close to the 1–5 s client
// timeouts of common stub resolvers.
var DefaultResolve = probes.Above(200, 1000)

// defaultResolvConf is where the resolvers come from when none are configured.
const defaultResolvConf = "/etc/resolv.conf"

// DNSKind is the `dns` probe kind: each resolver asked directly for A and AAAA.
var DNSKind = probes.Kind{
	Name:       "dns",
	Thresholds: map[string]probes.Threshold{"resolve": DefaultResolve},
	Doc: "resolve name (A and AAAA) at each resolver (default: /etc/resolv.conf): SERVFAIL, NXDOMAIN, " +
		"no address or timeout crit; resolvers that disagree warn; latency > 200ms warn, > 1s crit",
	Required: [][]string{{"name"}},
	Allowed:  []string{"name", "resolvers", "count"},
	Checks:   []probes.Check{resolveCheck},
	New:      func(s probes.Spec) (probes.Probe, error) { return NewDNS(s) },
}

// DNS is a `dns` probe instance.
type DNS struct {
	name       string
	resolvers  []string // host:port; empty: read resolvConf at each run
	count      int
	threshold  probes.Threshold
	resolvConf string
}

var _ probes.Probe = (*DNS)(nil)

// NewDNS builds a dns probe. Resolvers without a port get 53.
func NewDNS(s probes.Spec) (*DNS, error) {
	if strings.TrimSpace(s.Name) == "" {
		return nil, errors.New("dns: name is empty")
	}
	d := &DNS{name: dns.Fqdn(strings.TrimSpace(s.Name)), count: max(s.Count, 1),
		threshold: s.Threshold(resolveCheck.Name, DefaultResolve), resolvConf: defaultResolvConf}
	for _, r := range s.Resolvers {
		d.resolvers = append(d.resolvers, withPort(r, "53"))
	}
	return d, nil
}

// withPort adds port to addr when it has none ("::1" → "[::1]:53").
func withPort(addr, port string) string {
	addr = strings.TrimSpace(addr)
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(strings.Trim(addr, "[]"), port)
}

// Checks lists `resolve`.
func (d *DNS) Checks() []probes.Check { return []probes.Check{resolveCheck} }

// resolverAnswer is what one resolver said.
type resolverAnswer struct {
	resolver string
	rcode    string // "" when no answer arrived
	latency  time.Duration
	answers  []string // sorted A and AAAA addresses
	err      error
}

// problem says what is wrong with the answer, "" when it is usable.
func (a resolverAnswer) problem() string {
	switch {
	case a.err != nil:
		return probes.ErrWords(a.err)
	case a.rcode != "NOERROR":
		return a.rcode
	case len(a.answers) == 0:
		return "no A/AAAA records"
	}
	return ""
}

func (a resolverAnswer) evidence() map[string]any {
	e := map[string]any{"resolver": a.resolver, "rcode": a.rcode,
		"latency_ms": millis(a.latency), "answers": a.answers, "error": ""}
	if a.answers == nil {
		e["answers"] = []string{}
	}
	if a.err != nil {
		e["error"] = a.err.Error()
	}
	return e
}

// Run asks every resolver at once and grades their answers together.
func (d *DNS) Run(ctx context.Context) []probes.Result {
	ctx, cancel := probes.WithMargin(ctx)
	defer cancel()
	r := probes.Result{Check: resolveCheck.Name, Unit: "ms", For: d.threshold.ForDuration(),
		Evidence: map[string]any{"name": strings.TrimSuffix(d.name, ".")}}
	servers := d.resolvers
	if len(servers) == 0 {
		cc, err := dns.ClientConfigFromFile(d.resolvConf)
		if err == nil && len(cc.Servers) == 0 {
			err = errors.New("no nameserver lines")
		}
		if err != nil {
			r.Status, r.Summary = probes.Unknown, "no resolvers: "+d.resolvConf+": "+probes.ErrWords(err)
			r.Err = fmt.Sprintf("read %s: %v", d.resolvConf, err)
			return []probes.Result{r}
		}
		for _, s := range cc.Servers {
			servers = append(servers, withPort(s, cc.Port))
		}
	}

	answers := make([]resolverAnswer, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() { answers[i] = d.ask(ctx, s) })
	}
	wg.Wait()
	d.grade(&r, answers)
	return []probes.Result{r}
}

// grade turns the resolvers' answers into one verdict: any failing resolver
// is crit, disagreeing ones warn, the slowest is graded by the threshold.
func (d *DNS) grade(r *probes.Result, answers []resolverAnswer) {
	var ev []map[string]any
	var failed []string
	var slowest resolverAnswer
	sets := map[string][]string{} // answer set → resolvers
	for _, a := range answers {
		ev = append(ev, a.evidence())
		if p := a.problem(); p != "" {
			failed = append(failed, a.resolver+" "+p)
			continue
		}
		key := strings.Join(a.answers, ",")
		sets[key] = append(sets[key], a.resolver)
		if a.latency >= slowest.latency {
			slowest = a
		}
	}
	r.Evidence["resolvers"] = ev
	r.Evidence["split"] = len(sets) > 1
	name := strings.TrimSuffix(d.name, ".")
	if len(failed) > 0 {
		r.Status = probes.Crit
		r.Summary = fmt.Sprintf("%s: %s (%d of %d resolvers failing)", name, strings.Join(failed, "; "), len(failed), len(answers))
		for _, a := range answers {
			if a.err != nil {
				r.Err = a.resolver + ": " + a.err.Error()
				break
			}
		}
		return
	}
	lat := millis(slowest.latency)
	r.Value = probes.V(lat)
	r.Status = d.threshold.Grade(lat)
	var parts []string
	if len(sets) > 1 {
		r.Status = probes.Worst(r.Status, probes.Warn)
		var ss []string
		for _, a := range answers {
			ss = append(ss, a.resolver+" ["+strings.Join(a.answers, " ")+"]")
		}
		parts = append(parts, "split answers: "+strings.Join(ss, " vs "))
	} else {
		parts = append(parts, fmt.Sprintf("%s → %s from %d resolver(s)", name, strings.Join(slowest.answers, " "), len(answers)))
	}
	switch lat := fmt.Sprintf("slowest %s %g ms", slowest.resolver, lat); d.threshold.Grade(millis(slowest.latency)) {
	case probes.Crit:
		parts = append(parts, fmt.Sprintf("%s > %g ms crit", lat, *d.threshold.Crit))
	case probes.Warn:
		parts = append(parts, fmt.Sprintf("%s > %g ms warn", lat, *d.threshold.Warn))
	default:
		parts = append(parts, lat)
	}
	r.Summary = strings.Join(parts, "; ")
}

// ask queries one resolver for A and AAAA, count times each, and merges the
// answers: the worse rcode, the longer latency, the union of addresses.
func (d *DNS) ask(ctx context.Context, server string) resolverAnswer {
	out := resolverAnswer{resolver: server}
	var mu sync.Mutex
	var wg sync.WaitGroup
	seen := map[string]bool{}
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		wg.Go(func() {
			for range d.count {
				m, rtt, err := exchange(ctx, d.name, qt, server)
				mu.Lock()
				out.latency = max(out.latency, rtt)
				switch {
				case err != nil:
					if out.err == nil {
						out.err = fmt.Errorf("%s %s: %w", dns.TypeToString[qt], server, err)
					}
				case out.rcode == "" || out.rcode == "NOERROR":
					out.rcode = dns.RcodeToString[m.Rcode]
				}
				if m != nil && m.Rcode == dns.RcodeSuccess {
					for _, rr := range m.Answer {
						switch v := rr.(type) {
						case *dns.A:
							seen[v.A.String()] = true
						case *dns.AAAA:
							seen[v.AAAA.String()] = true
						}
					}
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for a := range seen {
		out.answers = append(out.answers, a)
	}
	slices.Sort(out.answers)
	return out
}

// exchange sends one query over UDP (TCP when the answer is truncated); the
// connection is closed when ctx ends, so a silent resolver costs no more than
// the budget.
func exchange(ctx context.Context, name string, qtype uint16, server string) (*dns.Msg, time.Duration, error) {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.SetEdns0(1232, false)
	start := time.Now()
	m, err := exchangeOver(ctx, "udp", q, server)
	if err == nil && m.Truncated {
		m, err = exchangeOver(ctx, "tcp", q, server)
	}
	took := time.Since(start)
	if err != nil && probes.TimedOut(err) {
		err = fmt.Errorf("timed out after %g ms: %w", millis(took), err)
	}
	return m, took, err
}

func exchangeOver(ctx context.Context, network string, q *dns.Msg, server string) (*dns.Msg, error) {
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	if dl, ok := ctx.Deadline(); ok {
		c.Timeout = max(time.Until(dl), time.Millisecond)
	}
	conn, err := c.DialContext(ctx, server)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	m, _, err := c.ExchangeWithConnContext(ctx, q, conn)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return m, err
}
