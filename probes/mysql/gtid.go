package mysql

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// mariaGTID is one MariaDB GTID: domain-server-seq.
type mariaGTID struct {
	domain, server string
	seq            uint64
}

func parseMariaGTIDs(s string) []mariaGTID {
	var out []mariaGTID
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(strings.TrimSpace(part), "-")
		if len(f) != 3 {
			continue
		}
		seq, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, mariaGTID{f[0], f[1], seq})
	}
	return out
}

// ErrantBinlogState lists the entries of a MariaDB replica's
// gtid_binlog_state that the primary's does not cover: a domain-server pair
// the primary never logged, or a higher sequence number (docs/sql.md §4:
// each domain-server entry must be ≤ the primary's). Empty means none.
func ErrantBinlogState(replicaState, primaryState string) []string {
	prim := map[[2]string]uint64{}
	for _, g := range parseMariaGTIDs(primaryState) {
		prim[[2]string{g.domain, g.server}] = g.seq
	}
	var out []string
	for _, g := range parseMariaGTIDs(replicaState) {
		if seq, ok := prim[[2]string{g.domain, g.server}]; !ok || g.seq > seq {
			out = append(out, fmt.Sprintf("%s-%s-%d", g.domain, g.server, g.seq))
		}
	}
	return out
}

// SamePosition reports whether two MariaDB GTID positions name the same
// transaction in every domain (order-insensitive), or two MySQL GTID sets
// are textually equal once normalised.
func SamePosition(e Engine, a, b string) bool {
	if !e.MariaDB {
		return normGTIDSet(a) == normGTIDSet(b)
	}
	key := func(s string) []string {
		var k []string
		for _, g := range parseMariaGTIDs(s) {
			k = append(k, fmt.Sprintf("%s-%s-%d", g.domain, g.server, g.seq))
		}
		slices.Sort(k)
		return k
	}
	return slices.Equal(key(a), key(b))
}

// MissingMariaDB describes the transactions in lastKnown (the primary's last
// known gtid_binlog_pos) that received (the replica's Gtid_IO_Pos) lacks,
// per domain: "0-1-434..0-1-438 (5 transactions)". Empty when none are
// missing; a domain whose latest GTID comes from another server cannot be
// counted and is named as such.
func MissingMariaDB(lastKnown, received string) []string {
	got := map[string]mariaGTID{}
	for _, g := range parseMariaGTIDs(received) {
		got[g.domain] = g
	}
	var out []string
	for _, g := range parseMariaGTIDs(lastKnown) {
		r, ok := got[g.domain]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("domain %s: up to %s-%s-%d (replica received nothing in this domain)", g.domain, g.domain, g.server, g.seq))
		case r.seq >= g.seq:
		case r.server != g.server:
			out = append(out, fmt.Sprintf("domain %s: primary at %s-%s-%d, replica received up to %s-%s-%d", g.domain, g.domain, g.server, g.seq, r.domain, r.server, r.seq))
		default:
			out = append(out, fmt.Sprintf("%s-%s-%d..%s-%s-%d (%d transactions)", g.domain, g.server, r.seq+1, g.domain, g.server, g.seq, g.seq-r.seq))
		}
	}
	return out
}

// GTIDSubtract runs MySQL's GTID_SUBTRACT(a, b) on q: the transactions in a
// that are not in b (the errant-transaction test of docs/sql.md §4).
func GTIDSubtract(ctx context.Context, q Queryer, a, b string) (string, error) {
	rows, err := queryRows(ctx, q, "SELECT GTID_SUBTRACT(?, ?) AS missing", a, b)
	if err != nil || len(rows) == 0 {
		return "", fmt.Errorf("GTID_SUBTRACT: %w", orNoRow(err))
	}
	return normGTIDSet(rows[0].text("missing")), nil
}
