package redis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/fivelayer/triage/probes"
)

// Check names (threshold keys redis.<name>).
const (
	CheckClients     = "clients"
	CheckRejected    = "rejected"
	CheckMemory      = "memory"
	CheckEvictions   = "evictions"
	CheckReplication = "replication"
)

// clients carries reachability: it alone turns crit when the server does not answer.
var checks = []probes.Check{
	{Name: CheckClients, Layer: probes.Data, OnTimeout: probes.Crit},
	{Name: CheckRejected, Layer: probes.Data, OnTimeout: probes.Unknown, Rate: true, UserFacing: true},
	{Name: CheckMemory, Layer: probes.Data, OnTimeout: probes.Unknown, Rate: true}, // OOM errors rate
	{Name: CheckEvictions, Layer: probes.Data, OnTimeout: probes.Unknown, Rate: true},
	{Name: CheckReplication, Layer: probes.Data, OnTimeout: probes.Unknown},
}

// Default thresholds, read through Spec.Threshold so config wins.
var (
	// DefaultClients is connected_clients (the runbook's > 500 warn). The share of
	// maxclients is graded as well: ≥ 80% warn, ≥ 90% crit (clientsPctWarn/Crit).
	DefaultClients = probes.Threshold{Warn: probes.V(500)}
	// DefaultRejected is rejected connections in the last minute: any is crit.
	DefaultRejected = probes.Threshold{Crit: probes.V(0)}
	// DefaultMemory is used_memory/maxmemory in percent, bounds inclusive;
	// crit only under noeviction (other policies evict instead: warn at most).
	DefaultMemory = probes.Above(90, 95)
	// DefaultEvictions is evicted keys in the last minute: any is warn.
	DefaultEvictions = probes.Threshold{Warn: probes.V(0)}
	// DefaultReplication is a replica's master_last_io_seconds_ago.
	DefaultReplication = probes.Above(30, 60)
)

const (
	clientsPctWarn = 80.0
	clientsPctCrit = 90.0
	// clientListUpTo: below this many clients CLIENT LIST is cheap enough
	// to fetch every round; above it, only when clients is not OK.
	clientListUpTo = 200
)

// RedisKind is the registry entry for `kind: redis`.
var RedisKind = probes.Kind{
	Name:       "redis",
	Thresholds: map[string]probes.Threshold{"clients": DefaultClients, "memory": DefaultMemory, "evictions": DefaultEvictions, "rejected": DefaultRejected, "replication": DefaultReplication},
	Doc:        "Redis: clients vs maxclients, rejected connections, memory vs maxmemory and policy, evictions, replication link",
	Required:   [][]string{{"address"}},
	Allowed:    []string{"address", "username", "password_env", "password_file", "tls", "ca_file", "server_name"},
	Checks:     checks,
	New:        func(s probes.Spec) (probes.Probe, error) { return New(s), nil },
}

// Probe is one Redis server, with a one-connection client opened on first use.
type Probe struct {
	spec probes.Spec
	now  func() time.Time

	mu     sync.Mutex // guards client against Close during Run
	client *goredis.Client

	rejected  probes.RateWindow
	evicted   probes.RateWindow
	oomErrors probes.RateWindow
}

var (
	_ probes.Probe  = (*Probe)(nil)
	_ probes.Closer = (*Probe)(nil)
)

// New builds a probe; nothing connects until the first Run.
func New(s probes.Spec) *Probe {
	quietOnce.Do(func() { goredis.SetLogger(quiet{}) })
	return &Probe{spec: s, now: time.Now}
}

// quiet drops go-redis's own log lines: it prints dial failures to stderr,
// over the screen, and every failure already reaches the check's summary.
// The logger is process-wide; nothing else in triage uses go-redis.
type quiet struct{}

// Printf drops the line.
func (quiet) Printf(context.Context, string, ...any) {}

var quietOnce sync.Once

// Checks lists the checks Run yields.
func (p *Probe) Checks() []probes.Check { return checks }

// Close closes the client.
func (p *Probe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client == nil {
		return nil
	}
	err := p.client.Close()
	p.client = nil
	return err
}

// conn returns the client, creating it on first use with the probe's
// configured timeout for dialing, reading and writing; every command also
// runs under the round's ctx, so a shorter round deadline still bounds it.
func (p *Probe) conn(ctx context.Context) (*goredis.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client != nil {
		return p.client, nil
	}
	pw, err := p.spec.PasswordValue()
	if err != nil {
		return nil, configError{fmt.Errorf("redis probe: %w", err)}
	}
	// Not the first round's remaining time: a short first round would fix
	// a short dial timeout for every later round.
	io := p.spec.EffectiveTimeout()
	opts := &goredis.Options{
		Addr: p.spec.Address, Username: p.spec.Username, Password: pw,
		Protocol:              2, // plain replies; no RESP3 push handling needed
		DisableIdentity:       true,
		MaxRetries:            -1, // one round, one try: the next round retries
		DialerRetries:         1,
		PoolSize:              1,
		PipelinePoolSize:      -1,
		DialTimeout:           io,
		ReadTimeout:           io,
		WriteTimeout:          io,
		ContextTimeoutEnabled: true,
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	}
	if p.spec.TLS {
		if opts.TLSConfig, err = p.tlsConfig(); err != nil {
			return nil, configError{err}
		}
	}
	p.client = goredis.NewClient(opts)
	return p.client, nil
}

func (p *Probe) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: p.spec.ServerName}
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(p.spec.Address)
		if err != nil {
			host = p.spec.Address
		}
		cfg.ServerName = host
	}
	if p.spec.CAFile != "" {
		pem, err := os.ReadFile(p.spec.CAFile)
		if err != nil {
			return nil, fmt.Errorf("redis probe: ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("redis probe: ca_file %s holds no PEM certificate", p.spec.CAFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// configError is a probe configuration problem (no password, bad ca_file):
// nothing was sent, so nothing is known about the server.
type configError struct{ error }

// Unwrap exposes the cause (errors.Is(err, probes.ErrNoSecret)).
func (e configError) Unwrap() error { return e.error }

// sample is what one round read.
type sample struct {
	start    time.Time
	info     info
	commands int

	maxClients   float64
	hasMax       bool
	policy       string
	configSource string // "CONFIG GET" or "INFO (CONFIG GET failed: …)"

	clientList    []clientEntry
	clientListErr error
}

// Run takes one sample and grades every check.
func (p *Probe) Run(ctx context.Context) []probes.Result {
	start := p.now()
	s, err := p.collect(ctx, start)
	if err != nil {
		if !isReply(err) {
			// A client that failed to connect keeps its last dial error
			// and returns it at once for a while: the next round would
			// say "timed out after 0s" without trying. Dial afresh.
			_ = p.Close()
		}
		return p.failAll(err, p.now().Sub(start))
	}
	return []probes.Result{p.clients(ctx, s), p.rejectedCheck(s), p.memory(s), p.evictions(s), p.replication(s)}
}

// collect sends INFO and CONFIG GET.
func (p *Probe) collect(ctx context.Context, start time.Time) (*sample, error) {
	c, err := p.conn(ctx)
	if err != nil {
		return nil, err
	}
	s := &sample{start: start}
	s.commands++
	raw, err := c.Info(ctx, "server", "clients", "memory", "stats", "persistence", "replication", "errorstats").Result()
	if err != nil && isSyntaxError(err) { // Redis < 7 takes one section
		s.commands++
		raw, err = c.Info(ctx).Result()
	}
	if err != nil {
		return nil, err
	}
	s.info = parseInfo(raw)

	s.commands++
	cfg, cerr := c.Do(ctx, "CONFIG", "GET", "maxclients", "maxmemory-policy").StringSlice()
	if cerr == nil && len(cfg) >= 2 {
		s.configSource = "CONFIG GET"
		for i := 0; i+1 < len(cfg); i += 2 {
			switch cfg[i] {
			case "maxclients":
				if _, err := fmt.Sscan(cfg[i+1], &s.maxClients); err == nil {
					s.hasMax = true
				}
			case "maxmemory-policy":
				s.policy = cfg[i+1]
			}
		}
	} else {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.configSource = "INFO"
		if cerr != nil {
			s.configSource = "INFO (CONFIG GET failed: " + firstLine(cerr.Error()) + ")"
		}
	}
	if !s.hasMax {
		s.maxClients, s.hasMax = s.info.num("maxclients")
	}
	if s.policy == "" {
		s.policy = s.info["maxmemory_policy"]
	}
	return s, nil
}

func isSyntaxError(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "syntax error") || strings.Contains(m, "wrong number of arguments")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// failAll: the server could not be read. Only clients (reachability) is crit.
func (p *Probe) failAll(err error, elapsed time.Duration) []probes.Result {
	msg := p.explain(err, elapsed)
	out := make([]probes.Result, len(checks))
	for i, c := range checks {
		out[i] = probes.Result{Check: c.Name, Status: probes.Unknown, Summary: "not measured: " + msg, Err: err.Error()}
	}
	var ce configError
	if errors.As(err, &ce) { // a config problem is not an outage
		for i := range out {
			out[i].Summary = err.Error()
		}
		return out
	}
	out[0].Status, out[0].Summary = probes.Crit, msg
	return out
}
