package alerting

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes/export"
)

// ResolvedRetention is how long a resolved alert keeps being sent with its
// endsAt: an Alertmanager that was down when the estate recovered still
// learns of the recovery once it is back (Prometheus keeps 15 minutes too).
const ResolvedRetention = 15 * time.Minute

// Manager turns successive reports into batches of alerts: it remembers
// when each alert started, marks the ones that stopped firing as resolved,
// and sends a batch whenever the set changes or resend has passed.
type Manager struct {
	resend time.Duration
	send   func([]Alert)

	mu       sync.Mutex
	active   map[string]Alert // by Key, StartsAt set
	resolved map[string]Alert // by Key, EndsAt set
	firing   []Alert          // the latest report's alerts, for annotations
	lastSent time.Time
}

// NewManager returns a manager that hands batches to send (which must not
// block: Notifier.Send queues). resend ≤ 0 means one minute.
func NewManager(resend time.Duration, send func([]Alert)) *Manager {
	if resend <= 0 {
		resend = time.Minute
	}
	return &Manager{resend: resend, send: send, active: map[string]Alert{}, resolved: map[string]Alert{}}
}

// Observe takes the latest report at now and sends a batch when the set of
// firing alerts changed or a resend is due.
func (m *Manager) Observe(rep export.Report, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := false
	seen := map[string]bool{}
	m.firing = m.firing[:0]
	for _, a := range Firing(rep) {
		k := a.Key()
		seen[k] = true
		if prev, ok := m.active[k]; ok {
			a.StartsAt = prev.StartsAt
		} else {
			a.StartsAt = now
			changed = true
			delete(m.resolved, k)
		}
		m.active[k] = a
		m.firing = append(m.firing, a)
	}
	for k, a := range m.active {
		if !seen[k] {
			a.EndsAt = now
			m.resolved[k] = a
			delete(m.active, k)
			changed = true
		}
	}
	if changed || now.Sub(m.lastSent) >= m.resend {
		m.flushLocked(now)
	}
}

// Tick sends a batch when a resend is due even though no report arrived
// (the probes are slow): firing alerts must not time out in Alertmanager.
func (m *Manager) Tick(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.active)+len(m.resolved) > 0 && now.Sub(m.lastSent) >= m.resend {
		m.flushLocked(now)
	}
}

// Run calls Tick every resend/2 until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.resend / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			m.Tick(now)
		}
	}
}

// Batch returns what would be sent at now, for tests and /healthz.
func (m *Manager) Batch(now time.Time) []Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.batchLocked(now)
}

func (m *Manager) flushLocked(now time.Time) {
	m.lastSent = now
	batch := m.batchLocked(now)
	if len(batch) > 0 {
		m.send(batch)
	}
}

// batchLocked is every firing alert with endsAt four resends ahead (so that
// a lost resend or two does not resolve it) and every resolved alert still
// within its retention, with its endsAt.
func (m *Manager) batchLocked(now time.Time) []Alert {
	out := make([]Alert, 0, len(m.active)+len(m.resolved))
	for _, a := range m.active {
		a.EndsAt = now.Add(4 * m.resend)
		out = append(out, a)
	}
	for k, a := range m.resolved {
		if now.Sub(a.EndsAt) > ResolvedRetention {
			delete(m.resolved, k)
			continue
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}
