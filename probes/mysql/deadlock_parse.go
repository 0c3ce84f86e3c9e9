package mysql

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/fivelayer/triage/internal/safety"
)

// Deadlock is InnoDB's latest detected deadlock, as SHOW ENGINE INNODB
// STATUS prints it. InnoDB keeps only the latest one, so a burst of
// deadlocks between two rounds shows only its last.
type Deadlock struct {
	// Time is the deadlock's timestamp as the server printed it, in the
	// server's local time zone (read as UTC: the zone is not printed).
	Time time.Time
	// MonitorTime is the timestamp the monitor output starts with, in the
	// same zone; Age uses the two so the zone never matters. Zero when the
	// text has no header.
	MonitorTime time.Time
	// Transactions in the order InnoDB numbers them: (1), (2), …
	Transactions []DeadlockTrx
	// RolledBack is the number InnoDB gives the victim ("WE ROLL BACK
	// TRANSACTION (2)"); 0 when the text does not say.
	RolledBack int
}

// DeadlockTrx is one transaction of a deadlock.
type DeadlockTrx struct {
	Number   int    // InnoDB's (N)
	TrxID    string // TRANSACTION 24
	ThreadID int64  // the connection id (KILL takes it), 0 when not printed
	User     string
	Host     string
	// Query is the statement the transaction was running, one line, control
	// characters removed.
	Query string
	// LocksHeld are the locks the transaction holds that the other waits
	// for: MySQL 8 prints them under HOLDS THE LOCK(S); MariaDB prints the
	// waiter's CONFLICTING WITH lock, assigned here to its holder by trx id.
	LocksHeld []string
	// LockWaited is the lock the transaction was waiting for.
	LockWaited string
}

// Age is how long ago the deadlock happened by the server's own clock (the
// monitor header's time minus the deadlock's); ok is false without a header.
func (d Deadlock) Age() (time.Duration, bool) {
	if d.MonitorTime.IsZero() || d.Time.IsZero() {
		return 0, false
	}
	return max(d.MonitorTime.Sub(d.Time), 0), true
}

// Victim returns the rolled-back transaction; ok is false when unknown.
func (d Deadlock) Victim() (DeadlockTrx, bool) {
	for _, t := range d.Transactions {
		if t.Number == d.RolledBack && d.RolledBack > 0 {
			return t, true
		}
	}
	return DeadlockTrx{}, false
}

var (
	// "2026-12-06 17:50:01 0x7f…", MySQL 8 "2022-03-24 00:05:03 140…" and
	// the ISO form some builds print; 5.6's "161128 10:03:41" too.
	stampRE = regexp.MustCompile(`^\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}|\d{6} +\d{1,2}:\d{2}:\d{2})`)
	// "*** (1) TRANSACTION:", "*** (2) HOLDS THE LOCK(S):", "*** (1) WAITING FOR …"
	trxHeadRE  = regexp.MustCompile(`^\*\*\* \((\d+)\) (.*)$`)
	threadRE   = regexp.MustCompile(`^(?:MySQL|MariaDB) thread id (\d+)(?:,.*?query id \d+ ?(.*))?`)
	trxIDRE    = regexp.MustCompile(`^TRANSACTION (\w+),`)
	rollBackRE = regexp.MustCompile(`^\*\*\* WE ROLL BACK TRANSACTION \((\d+)\)`)
	lockTrxRE  = regexp.MustCompile(` trx id (\w+)`)
)

// parseLatestDeadlock reads the LATEST DETECTED DEADLOCK section of SHOW
// ENGINE INNODB STATUS's text; ok is false when the server has seen no
// deadlock since it started (no section) or the section has no transaction.
// It never fails on odd text: fields it cannot read stay empty.
func parseLatestDeadlock(text string) (Deadlock, bool) {
	lines := strings.Split(text, "\n")
	var d Deadlock
	start := -1
	for i, l := range lines {
		l = strings.TrimRight(l, "\r ")
		if strings.HasSuffix(l, "INNODB MONITOR OUTPUT") && !strings.HasPrefix(l, "END") && d.MonitorTime.IsZero() {
			d.MonitorTime, _ = parseStamp(l)
		}
		if l == "LATEST DETECTED DEADLOCK" {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return Deadlock{}, false
	}
	section := deadlockSection(lines[start:])
	var (
		cur      *DeadlockTrx
		part     string // TRANSACTION, HOLDS, WAITING, CONFLICTING, QUERY
		query    []string
		conflict []struct{ holder, lock string }
	)
	flushQuery := func() {
		if cur != nil && part == "QUERY" {
			cur.Query = clean(strings.Join(query, " "))
		}
		query = nil
	}
	for _, raw := range section {
		l := strings.TrimRight(raw, "\r ")
		if d.Time.IsZero() && cur == nil {
			if t, ok := parseStamp(l); ok {
				d.Time = t
				continue
			}
		}
		if m := trxHeadRE.FindStringSubmatch(l); m != nil {
			flushQuery()
			n, _ := strconv.Atoi(m[1])
			switch head := m[2]; {
			case strings.HasPrefix(head, "TRANSACTION"):
				d.Transactions = append(d.Transactions, DeadlockTrx{Number: n})
				cur, part = &d.Transactions[len(d.Transactions)-1], "TRANSACTION"
			case cur != nil && strings.HasPrefix(head, "HOLDS"):
				cur, part = trxNumbered(d.Transactions, n, cur), "HOLDS"
			case cur != nil && strings.HasPrefix(head, "WAITING"):
				cur, part = trxNumbered(d.Transactions, n, cur), "WAITING"
			}
			continue
		}
		if strings.HasPrefix(l, "*** ") {
			flushQuery()
			switch {
			case rollBackRE.MatchString(l):
				d.RolledBack, _ = strconv.Atoi(rollBackRE.FindStringSubmatch(l)[1])
				part = ""
			case strings.HasPrefix(l, "*** WAITING FOR"): // MariaDB: no (N) on these
				part = "WAITING"
			case strings.HasPrefix(l, "*** CONFLICTING WITH"):
				part = "CONFLICTING"
			default:
				part = ""
			}
			continue
		}
		if cur == nil {
			continue
		}
		switch part {
		case "TRANSACTION":
			if m := trxIDRE.FindStringSubmatch(l); m != nil && cur.TrxID == "" {
				cur.TrxID = m[1]
			}
			if m := threadRE.FindStringSubmatch(l); m != nil {
				cur.ThreadID, _ = strconv.ParseInt(m[1], 10, 64)
				cur.Host, cur.User = hostUser(m[2])
				part = "QUERY"
			}
		case "QUERY":
			if isLockLine(l) {
				flushQuery()
				part = ""
				continue
			}
			query = append(query, l)
		case "HOLDS":
			if isLockLine(l) {
				cur.LocksHeld = append(cur.LocksHeld, lockSummary(l))
			}
		case "WAITING":
			if isLockLine(l) && cur.LockWaited == "" {
				cur.LockWaited = lockSummary(l)
			}
		case "CONFLICTING":
			if isLockLine(l) {
				if m := lockTrxRE.FindStringSubmatch(l); m != nil {
					conflict = append(conflict, struct{ holder, lock string }{m[1], lockSummary(l)})
				}
			}
		}
	}
	flushQuery()
	for _, c := range conflict {
		for i := range d.Transactions {
			t := &d.Transactions[i]
			if t.TrxID == c.holder && len(t.LocksHeld) < 8 && !contains(t.LocksHeld, c.lock) {
				t.LocksHeld = append(t.LocksHeld, c.lock)
			}
		}
	}
	if len(d.Transactions) == 0 {
		return Deadlock{}, false
	}
	return d, true
}

// deadlockSection is the section's lines up to the next section banner
// (a dashed line, an upper-case title, a dashed line).
func deadlockSection(lines []string) []string {
	for i := 1; i+2 < len(lines); i++ {
		if isDashes(lines[i]) && isDashes(lines[i+2]) && isTitle(lines[i+1]) {
			return lines[:i]
		}
	}
	return lines
}

func isDashes(l string) bool {
	l = strings.TrimRight(l, "\r ")
	return len(l) >= 4 && strings.Trim(l, "-") == ""
}

func isTitle(l string) bool {
	l = strings.TrimRight(l, "\r ")
	return l != "" && strings.ToUpper(l) == l && strings.IndexFunc(l, unicode.IsLetter) >= 0
}

// trxNumbered finds transaction n (MySQL 8 repeats the number on its lock
// headings); cur when there is none.
func trxNumbered(ts []DeadlockTrx, n int, cur *DeadlockTrx) *DeadlockTrx {
	for i := range ts {
		if ts[i].Number == n {
			return &ts[i]
		}
	}
	return cur
}

func isLockLine(l string) bool {
	return strings.HasPrefix(l, "RECORD LOCKS ") || strings.HasPrefix(l, "TABLE LOCK ")
}

// lockSummary shortens a lock line to what a person needs: the table, the
// index and the mode ("`test`.`t` index PRIMARY: lock_mode X locks rec but
// not gap"), without space/page numbers.
func lockSummary(l string) string {
	table := ""
	if i := strings.Index(l, "table "); i >= 0 {
		rest := l[i+len("table "):]
		if j := strings.Index(rest, " trx id "); j >= 0 {
			table = rest[:j]
		} else {
			table = rest
		}
	}
	index := ""
	if i := strings.Index(l, " index "); i >= 0 {
		if f := strings.Fields(l[i+len(" index "):]); len(f) > 0 {
			index = f[0]
		}
	}
	mode := ""
	if m := lockTrxRE.FindStringIndex(l); m != nil {
		if f := strings.Fields(l[m[1]:]); len(f) > 0 {
			mode = strings.Join(f, " ")
		}
	}
	var b strings.Builder
	b.WriteString(table)
	if index != "" {
		b.WriteString(" index " + index)
	}
	if mode != "" {
		b.WriteString(": " + mode)
	}
	if strings.HasPrefix(l, "TABLE LOCK ") {
		return clean("table lock " + b.String())
	}
	return clean(b.String())
}

// hostUser reads what follows "query id N": MariaDB prints "host user
// state…", MySQL "host [ip] user state…"; either may be missing for
// system threads.
func hostUser(s string) (host, user string) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return "", ""
	}
	host = f[0]
	f = f[1:]
	if len(f) > 1 && net.ParseIP(f[0]) != nil {
		f = f[1:] // MySQL's "localhost 127.0.0.1 root …": keep the name
	}
	if len(f) > 0 {
		user = f[0]
	}
	return clean(host), clean(user)
}

// parseStamp reads the timestamp a monitor line starts with.
func parseStamp(l string) (time.Time, bool) {
	m := stampRE.FindStringSubmatch(l)
	if m == nil {
		return time.Time{}, false
	}
	s := strings.Replace(m[1], "T", " ", 1)
	for _, layout := range []string{"2006-01-02 15:04:05", "060102 15:04:05", "060102  15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if f := strings.Fields(s); len(f) == 2 {
		if t, err := time.Parse("060102 15:04:05", f[0]+" "+f[1]); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// clean makes server text (SQL, user and host names) safe for evidence and
// a terminal, as safety.Sanitize does for every string from the estate,
// with whitespace runs collapsed to one space: a statement can carry any
// byte in its literals, and a deadlock report wraps it over lines.
func clean(s string) string { return strings.Join(strings.Fields(safety.Sanitize(s)), " ") }

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
