package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Queryer is what the read-only lookups need: *sql.DB, *sql.Conn and *sql.Tx
// all satisfy it.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// row is one result row keyed by lower-cased column name; a nil value is SQL
// NULL. Reading by name keeps us independent of column order, which changes
// between server versions (SHOW REPLICA STATUS above all).
type row map[string]*string

// queryRows runs q and returns every row keyed by column name.
func queryRows(ctx context.Context, q Queryer, query string, args ...any) ([]row, error) {
	rs, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, err
	}
	var out []row
	for rs.Next() {
		raw := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(row, len(cols))
		for i, c := range cols {
			if raw[i] == nil {
				r[strings.ToLower(c)] = nil
				continue
			}
			s := string(raw[i])
			r[strings.ToLower(c)] = &s
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// queryNameValue runs a SHOW … STATUS/VARIABLES statement and returns its
// Variable_name → Value pairs.
func queryNameValue(ctx context.Context, q Queryer, query string) (map[string]string, error) {
	rows, err := queryRows(ctx, q, query)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		name, ok := r.str("variable_name")
		if !ok {
			return nil, fmt.Errorf("%s: no Variable_name column", firstWords(query))
		}
		v, _ := r.str("value")
		out[strings.ToLower(name)] = v
	}
	return out, nil
}

// str returns the first of names that is present and not NULL.
func (r row) str(names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := r[strings.ToLower(n)]; ok && v != nil {
			return *v, true
		}
	}
	return "", false
}

// text is str without the flag: "" for missing or NULL.
func (r row) text(names ...string) string {
	s, _ := r.str(names...)
	return s
}

// nullable is the value for evidence: nil for missing or NULL.
func (r row) nullable(names ...string) any {
	if s, ok := r.str(names...); ok {
		return s
	}
	return nil
}

// int returns the first of names that parses as an integer.
func (r row) int(names ...string) (int64, bool) {
	s, ok := r.str(names...)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if ferr != nil {
			return 0, false
		}
		return int64(f), true
	}
	return v, true
}

// num is int without the flag: 0 for missing, NULL or unparsable.
func (r row) num(names ...string) int64 {
	v, _ := r.int(names...)
	return v
}

// firstWords names a statement in messages without dumping all its SQL.
func firstWords(q string) string {
	f := strings.Fields(q)
	if len(f) > 4 {
		f = f[:4]
	}
	return strings.Join(f, " ")
}

// truncate shortens estate text (SQL) for evidence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
