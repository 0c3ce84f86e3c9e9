package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes"
)

// innodbStatusSQL holds InnoDB's latest detected deadlock (it keeps only the
// latest). It needs PROCESS and returns a text of several kilobytes, so it
// runs only when the deadlock counter moved: see collectDeadlock.
const innodbStatusSQL = `SHOW ENGINE INNODB STATUS`

// needsProcessDeadlock is what the deadlocks check says without PROCESS.
const needsProcessDeadlock = "needs PROCESS privilege to read SHOW ENGINE INNODB STATUS (GRANT PROCESS ON *.* TO …)"

// DefaultDeadlocks is new deadlocks per minute between rounds: any is warn,
// more than 6 a minute (one every 10 s) is crit.
var DefaultDeadlocks = probes.Above(0, 6)

// DefaultDeadlockRecent is how long the latest deadlock keeps the check at
// warn after it happened, so a one-shot `triage check` (which sees no rate
// between rounds) still reports a deadlock of the last minutes.
var DefaultDeadlockRecent = 5 * time.Minute

// deadlockCache is the latest deadlock as last read, kept between rounds:
// the report is re-read only when Innodb_deadlocks moved.
type deadlockCache struct {
	read  bool    // a read happened (its result, or a refusal, is kept)
	total float64 // Innodb_deadlocks at that read
	d     Deadlock
	ok    bool      // the server printed a deadlock
	at    time.Time // when it happened, by our clock
	err   error
}

// collectDeadlock reads SHOW ENGINE INNODB STATUS on the first round and
// whenever Innodb_deadlocks differs from the last read; otherwise the cached
// report stands. A timeout is not cached: the next round tries again.
func (p *Probe) collectDeadlock(ctx context.Context, r *round, conn *sql.Conn) {
	if r.statusErr != nil {
		return
	}
	total, ok := atof(r.status["innodb_deadlocks"])
	if !ok || (p.dl.read && total == p.dl.total) {
		return
	}
	rows, err := p.run(ctx, r, conn, innodbStatusSQL)
	if err != nil && r.dead != nil {
		return
	}
	c := deadlockCache{read: true, total: total, err: err}
	if err == nil && len(rows) > 0 {
		c.d, c.ok = parseLatestDeadlock(rows[0].text("status"))
		c.at = deadlockAt(c.d, p.now())
	}
	p.dl = c
}

// deadlockAt places the deadlock on our clock: the server prints local
// times without a zone, but the monitor header's time minus the deadlock's
// is its age whatever the zone.
func deadlockAt(d Deadlock, now time.Time) time.Time {
	if age, ok := d.Age(); ok {
		return now.Add(-age)
	}
	if d.Time.IsZero() {
		return time.Time{}
	}
	return time.Date(d.Time.Year(), d.Time.Month(), d.Time.Day(), d.Time.Hour(), d.Time.Minute(),
		d.Time.Second(), 0, time.Local)
}

// deadlocks grades new deadlocks per minute between rounds and keeps the
// check at warn while InnoDB's latest deadlock is recent.
func (p *Probe) deadlocks(r *round) probes.Result {
	th := p.spec.Threshold(CheckDeadlocks, DefaultDeadlocks)
	res := probes.Result{Check: CheckDeadlocks, For: th.ForDuration(), Unit: "/min"}
	if r.statusErr != nil {
		return p.unmeasured(res, r, r.statusErr, "")
	}
	total, ok := atof(r.status["innodb_deadlocks"])
	if !ok {
		res.Status, res.Summary = probes.Unknown, "server did not report Innodb_deadlocks"
		return res
	}
	rate := p.deadlockRate.Add(r.start, total)
	ev := map[string]any{"deadlocks_total": total}
	res.Evidence = ev
	if rate.Ready {
		ev["per_minute"] = rate.PerMinute // the counter needs no privilege, the report does
	}
	if p.dl.err != nil {
		res = p.unmeasured(res, r, p.dl.err, needsProcessDeadlock)
		res.Evidence = ev
		return res
	}
	if !p.dl.read {
		// the read timed out or the round died: nothing to say about the report
		return p.unmeasured(res, r, orErr(r.dead, "deadlock report not read yet"), "")
	}
	latest, recent := "", false
	if p.dl.ok {
		age := max(r.start.Sub(p.dl.at), 0)
		recent = age <= p.deadlockRecent()
		ev["latest"] = latestEvidence(p.dl, age)
		latest = deadlockLine(p.dl.d, age, recent)
	}
	if !rate.Ready {
		res.Summary = fmt.Sprintf("no deadlock since start (Innodb_deadlocks %.0f)", total)
		if latest != "" {
			res.Summary = latest
		}
		if recent {
			res.Status = probes.Warn
			return res
		}
		res.Status, res.Warmup = probes.Unknown, true // nothing to compare with yet: shown, not graded
		res.Summary += "; rate from next round"
		if rate.Reset {
			res.Summary += " (counter went backwards: restart)"
		}
		return res
	}
	ev["per_minute"] = rate.PerMinute
	ev["window_seconds"] = rate.Span.Seconds()
	res.Value = probes.V(rate.PerMinute)
	res.Status = th.Grade(rate.PerMinute)
	if recent {
		res.Status = probes.Worst(res.Status, probes.Warn)
	}
	switch {
	case rate.Delta > 0:
		res.Summary = fmt.Sprintf("%.0f deadlock(s) in the last %s (%.1f/min)%s", rate.Delta,
			fmtSpan(rate.Span), rate.PerMinute, breach(th, th.Grade(rate.PerMinute), "/min"))
		if latest != "" {
			res.Summary += "; " + latest
		}
	case latest != "":
		res.Summary = latest
	default:
		res.Summary = fmt.Sprintf("no deadlock since start (Innodb_deadlocks %.0f)", total)
	}
	return res
}

func (p *Probe) deadlockRecent() time.Duration {
	if p.recent > 0 {
		return p.recent
	}
	return DefaultDeadlockRecent
}

// deadlockLine is "latest 17:50:01 (40 s ago): thread 41 rolled back (UPDATE
// invoice …) vs thread 42" while recent, "latest deadlock 3 h ago" after.
func deadlockLine(d Deadlock, age time.Duration, recent bool) string {
	if !recent {
		return fmt.Sprintf("latest deadlock %s ago", fmtAge(age))
	}
	head := fmt.Sprintf("latest %s (%s ago)", d.Time.Format(time.TimeOnly), fmtAge(age))
	v, ok := d.Victim()
	if !ok {
		return head
	}
	var others []string
	for _, t := range d.Transactions {
		if t.Number != v.Number {
			others = append(others, fmt.Sprintf("thread %d", t.ThreadID))
		}
	}
	s := fmt.Sprintf("%s: thread %d rolled back", head, v.ThreadID)
	if v.Query != "" {
		s += " (" + truncate(v.Query, 40) + ")"
	}
	if len(others) > 0 {
		s += " vs " + strings.Join(others, ", ")
	}
	return s
}

// fmtAge is a person's duration: 42 s, 4 min, 3 h, 2 d.
func fmtAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d d", int(d.Hours()/24))
}

// latestEvidence is evidence.latest: the deadlock's time (RFC 3339, placed
// on our clock), its age, the victim and each transaction.
func latestEvidence(c deadlockCache, age time.Duration) map[string]any {
	trx := make([]map[string]any, 0, len(c.d.Transactions))
	for _, t := range c.d.Transactions {
		held := t.LocksHeld
		if held == nil {
			held = []string{}
		}
		trx = append(trx, map[string]any{
			"thread_id":   t.ThreadID,
			"user":        orNil(t.User),
			"host":        orNil(t.Host),
			"query":       orNil(truncate(t.Query, 512)),
			"locks_held":  held,
			"lock_waited": orNil(t.LockWaited),
		})
	}
	m := map[string]any{
		"time":               nil,
		"age_seconds":        int64(age.Seconds()),
		"rolled_back_thread": nil,
		"transactions":       trx,
	}
	if !c.at.IsZero() {
		m["time"] = c.at.UTC().Format(time.RFC3339)
	}
	if v, ok := c.d.Victim(); ok {
		m["rolled_back_thread"] = v.ThreadID
	}
	return m
}

// orErr is err, else an error saying why.
func orErr(err error, why string) error {
	if err != nil {
		return err
	}
	return errors.New(why)
}
