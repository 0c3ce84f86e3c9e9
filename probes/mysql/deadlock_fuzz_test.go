package mysql

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseLatestDeadlock feeds the parser arbitrary monitor text: the
// server's output carries client SQL verbatim, so the parser must never
// panic, and what it returns must be safe to show.
func FuzzParseLatestDeadlock(f *testing.F) {
	// More seeds (the real captures, cut at odd places) live in testdata/fuzz.
	f.Add("LATEST DETECTED DEADLOCK\n---\n2026-12-06 17:50:01 0x7f\n*** (1) TRANSACTION:\nTRANSACTION 5, ACTIVE 1 sec\n" +
		"MariaDB thread id 7, OS thread handle 1, query id 9 10.0.0.5 bob Updating\nUPDATE t SET v=1\n*** WE ROLL BACK TRANSACTION (1)\n")
	f.Fuzz(func(t *testing.T, text string) {
		d, ok := parseLatestDeadlock(text)
		if !ok {
			if len(d.Transactions) != 0 {
				t.Fatalf("not ok but %d transactions", len(d.Transactions))
			}
			return
		}
		if len(d.Transactions) == 0 {
			t.Fatal("ok without a transaction")
		}
		if _, known := d.Age(); known {
			if age, _ := d.Age(); age < 0 {
				t.Fatalf("negative age %v", age)
			}
		}
		for _, trx := range d.Transactions {
			for _, s := range append([]string{trx.Query, trx.User, trx.Host, trx.LockWaited}, trx.LocksHeld...) {
				if !utf8.ValidString(s) || strings.ContainsAny(s, "\x1b\r\n\t\x00\u009b") {
					t.Fatalf("unsafe text %q", s)
				}
			}
		}
		_ = deadlockLine(d, 0, true)
	})
}
