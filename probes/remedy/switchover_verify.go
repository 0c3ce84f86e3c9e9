package remedy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fivelayer/triage/probes/mysql"
)

// verify is docs/sql.md §7d, polled until it holds or the verify timeout passes: the new
// primary is writable and replicates from nobody; the old primary (unless
// failed over) is read-only, both replica threads run, no lag, and it has
// applied the new primary's position as read just before.
func (a *switchAction) verify(ctx context.Context, _ Plan, out *Outcome) {
	limit := a.g.opts.VerifyTimeout
	if limit <= 0 {
		limit = 30 * time.Second
	}
	deadline := time.Now().Add(limit)
	var ok bool
	var msg string
	for {
		ok, msg = a.check(ctx)
		if ok || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	out.Verified, out.Verification = ok, msg
}

func (a *switchAction) check(ctx context.Context) (bool, string) {
	P, S := a.primary.Name, a.standby.Name
	var bad, good []string
	sst, sline, err := state(ctx, a.sa)
	if err != nil {
		return false, S + ": " + err.Error()
	}
	if sst.ReadOnly || len(sst.Replicas) > 0 {
		bad = append(bad, S+": "+sline+" (want read_only OFF, not a replica)")
	} else {
		good = append(good, S+" is primary: "+sline)
	}
	if a.failover {
		return len(bad) == 0, strings.Join(append(good, bad...), "; ")
	}
	pst, pline, err := state(ctx, a.pa)
	if err != nil {
		return false, strings.Join(append(good, append(bad, P+": "+err.Error())...), "; ")
	}
	lag, lagOK := int64(-1), false
	if len(pst.Replicas) == 1 {
		lag, lagOK = pst.Replicas[0].Lag()
	}
	if !pst.ReadOnly || len(pst.Replicas) != 1 || !pst.Replicas[0].Running() || !lagOK || lag != 0 {
		bad = append(bad, P+": "+pline+" (want read_only ON, IO and SQL Yes, lag 0)")
		return false, strings.Join(append(good, bad...), "; ")
	}
	target := sst.Position()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	reached, werr := mysql.WaitForPosition(wctx, a.pa.DB, a.engine, target, 3*time.Second)
	switch {
	case werr != nil:
		bad = append(bad, fmt.Sprintf("%s: cannot wait for %s: %v", P, target, werr))
	case !reached:
		bad = append(bad, fmt.Sprintf("%s has not applied %s's position %s within 3 s", P, S, target))
	default:
		good = append(good, fmt.Sprintf("%s is its replica: %s; applied %s's position %s", P, pline, S, target))
	}
	// A write that landed on the old primary after the target position is
	// a transaction the new primary lacks: the pair has split.
	if a.engine.MariaDB {
		if now, _, err := state(ctx, a.pa); err == nil {
			if own := mysql.MissingMariaDB(now.GTIDBinlogPos, sst.GTIDBinlogPos); len(own) > 0 {
				bad = append(bad, fmt.Sprintf("%s holds transactions %s lacks: %s", P, S, strings.Join(own, ", ")))
			}
		}
	}
	return len(bad) == 0, strings.Join(append(good, bad...), "; ")
}

func (a *switchAction) close() {
	if a.pa != nil {
		_ = a.pa.Close()
	}
	if a.sa != nil {
		_ = a.sa.Close()
	}
}
