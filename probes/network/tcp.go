package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/fivelayer/triage/probes"
)

// TCPKind is the `tcp` probe: repeated TCP connects to one address, and
// optionally ports that must be open, must be closed, or must answer DNS on UDP.
var TCPKind = probes.Kind{
	Name:       "tcp",
	Thresholds: map[string]probes.Threshold{"connect": DefaultTCPConnect},
	Doc:        "TCP connect latency and loss over count attempts; optional expected-open/closed ports and UDP DNS ports",
	Required:   [][]string{{"address"}},
	Allowed:    []string{"address", "count", "interval", "open", "closed", "udp"},
	Checks:     []probes.Check{tcpConnectCheck, tcpPortsCheck},
	New:        NewTCP,
}

var (
	tcpConnectCheck = probes.Check{Name: "connect", Layer: probes.Network, OnTimeout: probes.Crit, UserFacing: true}
	tcpPortsCheck   = probes.Check{Name: "ports", Layer: probes.Network, OnTimeout: probes.Crit, UserFacing: true}
)

// Defaults of the tcp probe. Loss above 5% is crit (runbook); latency is graded
// by the `connect` threshold in milliseconds.
var (
	DefaultTCPConnect = probes.Above(200, 1000)
	tcpLossCrit       = 5.0
)

// TCP is one configured tcp probe. It keeps only what it reads of its
// spec: an estate may hold ten thousand of them.
type TCP struct {
	address           string
	host              string
	th                probes.Threshold // of connect
	count             int
	interval          time.Duration
	open, closed, udp []int
	dialer            net.Dialer
}

var _ probes.Probe = (*TCP)(nil)

// NewTCP builds a tcp probe from its spec.
func NewTCP(spec probes.Spec) (probes.Probe, error) {
	host, _, err := net.SplitHostPort(spec.Address)
	if err != nil {
		return nil, fmt.Errorf("tcp: address %q: %w", spec.Address, err)
	}
	for _, p := range append(append(append([]int{}, spec.Open...), spec.Closed...), spec.UDP...) {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("tcp: port %d out of range", p)
		}
	}
	t := &TCP{address: spec.Address, host: host, th: spec.Threshold("connect", DefaultTCPConnect),
		count: spec.Count, interval: spec.Interval.D(), open: spec.Open, closed: spec.Closed, udp: spec.UDP}
	if t.count <= 0 {
		t.count = 3
	}
	if t.interval <= 0 {
		t.interval = 100 * time.Millisecond
	}
	return t, nil
}

func (t *TCP) hasPorts() bool {
	return len(t.open)+len(t.closed)+len(t.udp) > 0
}

// Checks lists connect, and ports when any are configured.
func (t *TCP) Checks() []probes.Check {
	if t.hasPorts() {
		return []probes.Check{tcpConnectCheck, tcpPortsCheck}
	}
	return []probes.Check{tcpConnectCheck}
}

// Run connects count times, then checks the expected ports. Without ports
// to check it runs as Start does and waits for the result.
func (t *TCP) Run(ctx context.Context) []probes.Result {
	ch := make(chan []probes.Result, 1)
	if t.Start(ctx, func(rs []probes.Result) { ch <- rs }) {
		return <-ch
	}
	budget := time.Until(deadlineOr(ctx, 3*time.Second))
	portBudget := time.Duration(0)
	if t.hasPorts() {
		portBudget = budget / 3
	}
	out := []probes.Result{t.connect(ctx, budget-portBudget)}
	if t.hasPorts() {
		out = append(out, t.ports(ctx))
	}
	return out
}

func deadlineOr(ctx context.Context, d time.Duration) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		return dl
	}
	return time.Now().Add(d)
}

type attempt struct {
	Latency time.Duration
	Err     error
}

// attemptTimeout is each of count attempts' share of budget, with interval
// between two attempts.
func attemptTimeout(budget time.Duration, count int, interval time.Duration) time.Duration {
	per := (budget - 20*time.Millisecond - interval*time.Duration(count-1)) / time.Duration(count)
	if per < 50*time.Millisecond {
		per = max(budget-20*time.Millisecond, 10*time.Millisecond) / time.Duration(count)
	}
	return per
}

// connect makes count attempts spaced by interval, each with its share of budget.
func (t *TCP) connect(ctx context.Context, budget time.Duration) probes.Result {
	per := attemptTimeout(budget, t.count, t.interval)
	var atts []attempt
	for i := 0; i < t.count; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(t.interval):
			}
		}
		if ctx.Err() != nil {
			break // attempts cut short by the round are not counted as lost
		}
		actx, cancel := context.WithTimeout(ctx, per)
		lat, err := connectTCP(actx, &t.dialer, t.address)
		cancel()
		if err != nil && ctx.Err() != nil && actx.Err() == nil {
			break
		}
		atts = append(atts, attempt{lat, err})
	}
	return gradeConnect(t.address, t.th, atts, per)
}

// gradeConnect turns attempts on address into the connect result, graded by
// th. Pure, table-tested.
func gradeConnect(address string, th probes.Threshold, atts []attempt, per time.Duration) probes.Result {
	r := probes.Result{Check: "connect", Unit: "ms", For: th.ForDuration()}
	if len(atts) == 0 {
		r.Status, r.Summary, r.Err = probes.Unknown, "no attempt completed", "round cancelled before any connect finished"
		return r
	}
	var ok, refused, timeouts int
	var sum, minL, maxL time.Duration
	var lastErr error
	for _, a := range atts {
		if a.Err == nil {
			ok++
			sum += a.Latency
			if minL == 0 || a.Latency < minL {
				minL = a.Latency
			}
			maxL = max(maxL, a.Latency)
			continue
		}
		lastErr = a.Err
		switch {
		case probes.TimedOut(a.Err):
			timeouts++
		case errors.Is(a.Err, syscall.ECONNREFUSED):
			refused++
		}
	}
	loss := 100 * float64(len(atts)-ok) / float64(len(atts))
	ev := map[string]any{
		"address": address, "attempts": len(atts), "succeeded": ok,
		"refused": refused, "timed_out": timeouts, "loss_percent": loss,
		"attempt_timeout_ms": per.Milliseconds(),
	}
	r.Evidence = ev
	if ok == 0 {
		r.Status = probes.Crit
		r.Err = lastErr.Error()
		switch {
		case timeouts == len(atts):
			r.Summary = fmt.Sprintf("%s timed out (%d/%d attempts, %s each)", address, timeouts, len(atts), per.Round(time.Millisecond))
		case refused == len(atts):
			r.Summary = fmt.Sprintf("%s connection refused (%d/%d)", address, refused, len(atts))
		default:
			r.Summary = fmt.Sprintf("%s unreachable: %s", address, probes.ErrWords(lastErr))
		}
		return r
	}
	avg := sum / time.Duration(ok)
	ms := float64(avg.Microseconds()) / 1000
	r.Value = probes.V(ms)
	ev["latency_avg_ms"], ev["latency_min_ms"], ev["latency_max_ms"] = ms, float64(minL.Microseconds())/1000, float64(maxL.Microseconds())/1000
	r.Status = th.Grade(ms)
	r.Summary = fmt.Sprintf("%s connect %.1f ms avg, %.0f%% loss", address, ms, loss)
	if loss > tcpLossCrit {
		r.Status = probes.Crit
		r.Summary += fmt.Sprintf(" (> %.0f%%: %s)", tcpLossCrit, probes.ErrWords(lastErr))
		r.Err = lastErr.Error()
	} else if r.Status != probes.OK {
		r.Summary += " (latency " + th.Breach(r.Status, "ms") + ")"
	}
	return r
}

type portVerdict struct {
	Port   int    `json:"port"`
	Proto  string `json:"proto"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// ports checks the expected-open, expected-closed and UDP DNS ports concurrently.
func (t *TCP) ports(ctx context.Context) probes.Result {
	type job struct {
		port        int
		proto, want string
	}
	var jobs []job
	for _, p := range t.open {
		jobs = append(jobs, job{p, "tcp", "open"})
	}
	for _, p := range t.closed {
		jobs = append(jobs, job{p, "tcp", "closed"})
	}
	for _, p := range t.udp {
		jobs = append(jobs, job{p, "udp", "answers"})
	}
	res := make([]portVerdict, len(jobs))
	done := make(chan struct{}, len(jobs))
	for i, j := range jobs {
		go func() {
			defer func() { done <- struct{}{} }()
			addr := net.JoinHostPort(t.host, strconv.Itoa(j.port))
			v := portVerdict{Port: j.port, Proto: j.proto, Want: j.want}
			if j.proto == "udp" {
				v.Got, v.Detail = udpDNS(ctx, addr)
				v.OK = v.Got == "answers"
			} else {
				c, err := t.dialer.DialContext(ctx, "tcp", addr)
				switch {
				case err == nil:
					_ = c.Close()
					v.Got = "open"
				case probes.TimedOut(err):
					v.Got, v.Detail = "filtered", "connect timed out"
				default:
					v.Got, v.Detail = "closed", probes.ErrWords(err)
				}
				v.OK = v.Got == j.want || (j.want == "closed" && v.Got == "filtered")
			}
			res[i] = v
		}()
	}
	for range jobs {
		<-done
	}
	r := probes.Result{Check: "ports", Status: probes.OK, Evidence: map[string]any{"host": t.host, "ports": res}}
	var bad []string
	for _, v := range res {
		if !v.OK {
			bad = append(bad, fmt.Sprintf("%d/%s %s (want %s)", v.Port, v.Proto, v.Got, v.Want))
		}
	}
	r.Value, r.Unit = probes.V(float64(len(bad))), "ports"
	if len(bad) > 0 {
		r.Status = probes.Crit
		r.Summary = "unexpected: " + strings.Join(bad, ", ")
		return r
	}
	r.Summary = fmt.Sprintf("%d ports as expected", len(res))
	return r
}

// udpDNS sends a real DNS query over UDP and reports whether anything answered.
func udpDNS(ctx context.Context, addr string) (got, detail string) {
	m := new(dns.Msg)
	m.SetQuestion(".", dns.TypeNS)
	c := &dns.Client{Net: "udp"}
	resp, rtt, err := c.ExchangeContext(ctx, m, addr)
	if err != nil {
		if probes.TimedOut(err) {
			return "silent", "no DNS answer before the deadline"
		}
		return "closed", probes.ErrWords(err)
	}
	return "answers", fmt.Sprintf("rcode %s in %s", dns.RcodeToString[resp.Rcode], rtt.Round(time.Microsecond))
}
