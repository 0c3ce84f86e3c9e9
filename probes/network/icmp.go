package network

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	probing "github.com/prometheus-community/pro-bing"

	"github.com/fivelayer/triage/probes"
)

// Defaults of the icmp kind.
const (
	defaultPingCount    = 5
	defaultPingInterval = 200 * time.Millisecond
	// maxPacketWait is how long one echo request may wait for its reply
	// before it counts as lost; shorter when the probe's budget is short.
	maxPacketWait = time.Second
)

// PrivilegeRemedy is the exact remedy shown when neither unprivileged ICMP
// nor raw sockets are allowed.
const PrivilegeRemedy = `sysctl -w net.ipv4.ping_group_range="0 2147483647"` +
	" or setcap cap_net_raw+ep $(which triage)"

// pingCheck is the icmp kind's only check.
var pingCheck = probes.Check{Name: "ping", Layer: probes.Network, OnTimeout: probes.Crit, UserFacing: true}

// DefaultPing grades loss in percent: any loss warns, more than 5% is crit (runbook).
var DefaultPing = probes.Above(0, 5)

// ICMPKind is the `icmp` probe kind: N echo requests, loss and RTT.
var ICMPKind = probes.Kind{
	Name:       "icmp",
	Thresholds: map[string]probes.Threshold{"ping": DefaultPing},
	Doc: "ICMP echo to address: loss (any warn, > 5% crit) and RTT min/avg/max/stddev; " +
		"count (default 5) packets every interval (default 200ms)",
	Required: [][]string{{"address"}},
	Allowed:  []string{"address", "count", "interval"},
	Checks:   []probes.Check{pingCheck},
	New:      func(s probes.Spec) (probes.Probe, error) { return NewICMP(s) },
}

// pingMode chooses the socket kind.
type pingMode int

const (
	pingAuto         pingMode = iota // raw as root, else unprivileged, else raw (cap_net_raw)
	pingUnprivileged                 // ICMP datagram sockets only (net.ipv4.ping_group_range)
	pingRaw                          // raw sockets only
)

// ICMP is an `icmp` probe instance.
type ICMP struct {
	host      string
	count     int
	interval  time.Duration
	threshold probes.Threshold
	mode      pingMode
}

var _ probes.Probe = (*ICMP)(nil)

// NewICMP builds an icmp probe; address is a host name or an IP (a port is ignored).
func NewICMP(s probes.Spec) (*ICMP, error) {
	host := s.Address
	if h, _, err := net.SplitHostPort(s.Address); err == nil {
		host = h
	}
	if host == "" {
		return nil, errors.New("icmp: address is empty")
	}
	p := &ICMP{host: host, count: s.Count, interval: s.Interval.D(),
		threshold: s.Threshold(pingCheck.Name, DefaultPing)}
	if p.count <= 0 {
		p.count = defaultPingCount
	}
	if p.interval <= 0 {
		p.interval = defaultPingInterval
	}
	return p, nil
}

// Checks lists `ping`.
func (p *ICMP) Checks() []probes.Check { return []probes.Check{pingCheck} }

// Run sends the echo requests and grades the loss among packets whose reply
// deadline has passed; packets still in flight when the budget ends are left
// out rather than counted as lost.
func (p *ICMP) Run(ctx context.Context) []probes.Result {
	ctx, cancel := probes.WithMargin(ctx)
	defer cancel()
	r := probes.Result{Check: pingCheck.Name, For: p.threshold.ForDuration(), Unit: "%"}

	ip, err := resolveOne(ctx, p.host)
	if err != nil {
		r.Status, r.Summary, r.Err = probes.Crit, "cannot resolve "+p.host+": "+probes.ErrWords(err), err.Error()
		r.Evidence = map[string]any{"address": p.host}
		return []probes.Result{r}
	}

	st, err := p.ping(ctx, ip)
	r.Evidence = st.evidence(p.host, ip)
	if err != nil {
		if needsPrivilege(err) {
			r.Status = probes.Unknown
			r.Summary = "needs privilege: " + PrivilegeRemedy
			r.Err = err.Error()
			r.Evidence["remedy"] = PrivilegeRemedy
			return []probes.Result{r}
		}
		r.Err = err.Error()
		if st.sent == 0 {
			r.Status, r.Summary = probes.Unknown, "ping failed: "+probes.ErrWords(err)
			if errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) {
				r.Status = probes.Crit
			}
			return []probes.Result{r}
		}
	}
	p.grade(&r, st)
	return []probes.Result{r}
}

// grade fills status, value and summary from the counted packets.
func (p *ICMP) grade(r *probes.Result, st pingStats) {
	decided := st.received + st.lost
	if decided == 0 {
		r.Status = probes.Crit
		r.Summary = fmt.Sprintf("no packet finished within the timeout (%d sent, %d in flight)", st.sent, st.inFlight)
		return
	}
	loss := math.Round(float64(st.lost)/float64(decided)*1000) / 10
	r.Value = probes.V(loss)
	r.Status = p.threshold.Grade(loss)
	if st.received == 0 {
		r.Status = probes.Crit
		r.Summary = fmt.Sprintf("no reply: %d of %d lost", st.lost, decided)
		return
	}
	rtt := fmt.Sprintf("rtt %.2f/%.2f/%.2f ms min/avg/max", millis(st.min), millis(st.avg), millis(st.max))
	switch r.Status {
	case probes.Crit:
		r.Summary = fmt.Sprintf("loss %.1f%% (%d of %d) > %g%% crit; %s", loss, st.lost, decided, *p.threshold.Crit, rtt)
	case probes.Warn:
		r.Summary = fmt.Sprintf("loss %.1f%% (%d of %d) > %g%% warn; %s", loss, st.lost, decided, *p.threshold.Warn, rtt)
	default:
		r.Summary = fmt.Sprintf("loss %.1f%% of %d; %s", loss, decided, rtt)
	}
}

// pingStats is what one run measured. Lost packets are those whose reply
// deadline passed without a reply; inFlight ones were still waiting.
type pingStats struct {
	privileged            bool
	sent, received, lost  int
	inFlight              int
	min, avg, max, stddev time.Duration
}

func (st pingStats) evidence(host string, ip *net.IPAddr) map[string]any {
	mode := "unprivileged"
	if st.privileged {
		mode = "raw"
	}
	ev := map[string]any{
		"address": host, "ip": ip.String(), "socket": mode,
		"sent": st.sent, "received": st.received, "lost": st.lost, "in_flight": st.inFlight,
	}
	if st.received > 0 {
		ev["rtt_min_ms"], ev["rtt_avg_ms"] = millis(st.min), millis(st.avg)
		ev["rtt_max_ms"], ev["rtt_stddev_ms"] = millis(st.max), millis(st.stddev)
	}
	if d := st.received + st.lost; d > 0 {
		ev["loss_pct"] = math.Round(float64(st.lost)/float64(d)*1000) / 10
	}
	return ev
}

// ping runs the pinger in the chosen socket mode; in auto mode a non-root
// process tries unprivileged ICMP first and raw sockets (cap_net_raw) second.
func (p *ICMP) ping(ctx context.Context, ip *net.IPAddr) (pingStats, error) {
	switch {
	case p.mode == pingUnprivileged:
		return p.pingOnce(ctx, ip, false)
	case p.mode == pingRaw || os.Geteuid() == 0:
		return p.pingOnce(ctx, ip, true)
	}
	st, err := p.pingOnce(ctx, ip, false)
	if err != nil && needsPrivilege(err) {
		return p.pingOnce(ctx, ip, true)
	}
	return st, err
}

// pingOnce sends p.count echo requests. Each packet's deadline is its send
// time plus the wait; the pinger stops once the last deadline has passed or
// the budget ends, whichever comes first.
func (p *ICMP) pingOnce(ctx context.Context, ip *net.IPAddr, privileged bool) (pingStats, error) {
	wait := maxPacketWait
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, max(time.Until(dl)/2, time.Millisecond))
	}
	start := time.Now()
	stopAt := start.Add(time.Duration(p.count-1)*p.interval + wait + 10*time.Millisecond)
	rctx, cancel := context.WithDeadline(ctx, stopAt)
	defer cancel()

	var mu sync.Mutex
	sentAt := map[int]time.Time{}
	rtts := map[int]time.Duration{}
	pg := probing.New(ip.String())
	pg.SetIPAddr(ip)
	pg.SetLogger(probing.NoopLogger{})
	pg.SetPrivileged(privileged)
	pg.Count, pg.Interval = p.count, p.interval
	pg.RecordRtts, pg.RecordTTLs = false, false
	pg.OnSend = func(pk *probing.Packet) {
		mu.Lock()
		sentAt[pk.Seq] = time.Now()
		mu.Unlock()
	}
	pg.OnRecv = func(pk *probing.Packet) {
		mu.Lock()
		if _, ok := sentAt[pk.Seq]; ok && pk.Rtt <= wait {
			rtts[pk.Seq] = pk.Rtt
		}
		mu.Unlock()
	}
	// The pinger's reader notices a stop only after its read deadline (up to
	// ~100 ms), so do not wait for it once the stop time has come: count what
	// has been decided and let it wind down on its own.
	done := make(chan error, 1)
	go func() { done <- pg.RunWithContext(rctx) }()
	var err error
	select {
	case err = <-done:
	case <-rctx.Done():
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = nil // our own stop, or the budget: count what has been decided
	}
	end := time.Now()

	mu.Lock()
	defer mu.Unlock()
	st := pingStats{privileged: privileged, sent: len(sentAt)}
	for seq, t := range sentAt {
		switch _, ok := rtts[seq]; {
		case ok:
			st.received++
		case !t.Add(wait).After(end):
			st.lost++
		default:
			st.inFlight++
		}
	}
	st.min, st.avg, st.max, st.stddev = rttStats(rtts)
	return st, err
}

// rttStats returns min, mean, max and population standard deviation.
func rttStats(rtts map[int]time.Duration) (lo, avg, hi, sd time.Duration) {
	if len(rtts) == 0 {
		return 0, 0, 0, 0
	}
	var sum float64
	lo = time.Duration(math.MaxInt64)
	for _, r := range rtts {
		lo, hi = min(lo, r), max(hi, r)
		sum += float64(r)
	}
	mean := sum / float64(len(rtts))
	var sq float64
	for _, r := range rtts {
		sq += (float64(r) - mean) * (float64(r) - mean)
	}
	return lo, time.Duration(mean), hi, time.Duration(math.Sqrt(sq / float64(len(rtts))))
}

// needsPrivilege reports whether err is the kernel refusing the ICMP socket.
func needsPrivilege(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}

// resolveOne resolves host, preferring an IPv4 address.
func resolveOne(ctx context.Context, host string) (*net.IPAddr, error) {
	if ip := net.ParseIP(host); ip != nil {
		return &net.IPAddr{IP: ip}, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		if a.IP.To4() != nil {
			return &a, nil
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	return &addrs[0], nil
}
