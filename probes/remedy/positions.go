package remedy

import (
	"sync"
	"time"

	"github.com/fivelayer/triage/probes"
)

// PositionTracker remembers the last GTID position each database component
// reported, so a failover can show what the dead primary had committed that
// the standby never received (Options.LastKnownPosition). Feed it every
// round's results; a failed round keeps the previous position.
type PositionTracker struct {
	mu   sync.Mutex
	last map[string]position
}

type position struct {
	gtid string
	at   time.Time
}

// Observe records gtid_binlog_pos (MariaDB) or gtid_executed (MySQL) from
// the evidence of mysql replication checks.
func (t *PositionTracker) Observe(rs []probes.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		t.last = map[string]position{}
	}
	for _, r := range rs {
		if r.Check != "replication" || r.Err != "" {
			continue
		}
		for _, k := range []string{"gtid_binlog_pos", "gtid_executed"} {
			if v, ok := r.Evidence[k].(string); ok && v != "" {
				t.last[r.Component] = position{v, r.Time}
				break
			}
		}
	}
}

// Last returns the component's last observed position and when it was
// seen; "" when never observed. Its signature fits Options.LastKnownPosition.
func (t *PositionTracker) Last(component string) (string, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.last[component]
	return p.gtid, p.at
}
