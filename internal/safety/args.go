package safety

import (
	"path"
	"regexp"
	"strings"
)

// Redacted replaces a secret in a command line.
const Redacted = "***"

// valueFlags are the short flags that take a password as their next word
// or glued to the flag, by program. Only these programs: `-p` is a port
// for ssh, a prefix for nginx and "parents" for mkdir.
var valueFlags = map[string]struct {
	flag byte
	// separate: the password may be the next word (redis-cli -a PW); for
	// mysql -p it may not (`-p db` prompts and db is the database).
	separate bool
}{
	"mysql": {'p', false}, "mariadb": {'p', false}, "mysqldump": {'p', false}, "mariadb-dump": {'p', false},
	"mysqladmin": {'p', false}, "mariadb-admin": {'p', false}, "mysqlcheck": {'p', false}, "mariadb-check": {'p', false},
	"mysqlimport": {'p', false}, "mariadb-import": {'p', false}, "mysqlshow": {'p', false}, "mariadb-show": {'p', false},
	"mysqlbinlog": {'p', false}, "mariadb-binlog": {'p', false}, "mysqlslap": {'p', false}, "mariadb-slap": {'p', false},
	"mysqlpump": {'p', false}, "mariadb-backup": {'p', false}, "mariabackup": {'p', false}, "xtrabackup": {'p', false},
	"mydumper": {'p', true}, "myloader": {'p', true},
	"redis-cli": {'a', true}, "valkey-cli": {'a', true}, "redis-benchmark": {'a', true},
	"sshpass": {'p', true},
	"mongo":   {'p', true}, "mongosh": {'p', true}, "mongodump": {'p', true}, "mongorestore": {'p', true},
	"mongoexport": {'p', true}, "mongoimport": {'p', true},
}

// userPassFlags take "user:password" (curl, wget's proxies follow --*-password).
var userPassFlags = map[string]map[string]bool{
	"curl": {"-u": true, "--user": true, "-U": true, "--proxy-user": true},
}

// strongSecretWord matches names that hold a secret wherever the word
// appears in them (dbpassword, client_secret).
var strongSecretWord = regexp.MustCompile(`(?i)(password|passwd|passphrase|secret)`)

// secretParts are name components (split on - _ .) that say secret only
// as a whole word: --token but not --tokenizer, MYSQL_PWD but not PWD.
var secretParts = map[string]bool{
	"token": true, "tokens": true, "pwd": true, "pass": true, "apikey": true,
	"credential": true, "credentials": true, "requirepass": true, "masterauth": true,
}

// secretPairs are two consecutive components that say secret: api_key.
var secretPairs = map[[2]string]bool{{"api", "key"}: true, {"access", "key"}: true, {"private", "key"}: true, {"secret", "key"}: true}

// isSecretName reports whether an option or variable name holds a secret:
// --password, --db-password, MYSQL_PWD, api_key, --requirepass, token.
// The shell's PWD and negations (--no-password) do not.
func isSecretName(name string) bool {
	name = strings.TrimLeft(name, "-")
	low := strings.ToLower(name)
	if name == "PWD" || name == "OLDPWD" || strings.HasPrefix(low, "no-") || strings.HasPrefix(low, "no_") {
		return false
	}
	if strongSecretWord.MatchString(low) {
		return true
	}
	parts := strings.FieldsFunc(low, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	for i, p := range parts {
		if secretParts[p] || i > 0 && secretPairs[[2]string{parts[i-1], p}] {
			return true
		}
	}
	return false
}

// assignment matches NAME=value inside a word (an environment assignment,
// a query string parameter, --opt=value); value runs to & ; or the end.
var assignment = regexp.MustCompile(`([A-Za-z0-9_.-]+)=([^&;\s]*)`)

// RedactArgs returns argv with likely secrets replaced by Redacted: the
// password flags of the programs that take one (mysql -pPW, redis-cli -a PW,
// sshpass -p PW, curl -u user:PW), long options and NAME=value pairs whose
// name says secret (--password=PW, --token PW, MYSQL_PWD=PW, ?token=PW),
// URL userinfo (scheme://user:PW@host) and Authorization headers. Other
// programs' flags are left alone. A word holding spaces (sh -c "…") is
// redacted as a command line of its own.
func RedactArgs(argv []string) []string {
	out := make([]string, len(argv))
	copy(out, argv)
	prog := ""
	for i := 0; i < len(out); i++ {
		if strings.ContainsAny(out[i], " \t\n") {
			out[i] = strings.TrimSpace(out[i]) // " Authorization: …" is the header all the same
		}
		w := out[i]
		if strings.EqualFold(w, "authorization:") {
			// A header split into words: Authorization: Bearer TOKEN.
			j := i + 1
			if j+1 < len(out) && authSchemes[strings.ToLower(out[j])] {
				j++
			}
			if j < len(out) {
				out[j] = Redacted
			}
			i = j
			continue
		}
		if strings.HasPrefix(strings.ToLower(w), "authorization:") {
			out[i] = redactAuthorization(w)
			continue
		}
		// After a wrapper (env, sudo, nohup) the program is the first word
		// that is neither an option, an assignment nor a number.
		if i == 0 || wrapper[prog] && !strings.HasPrefix(w, "-") && !isAssignment(w) && !isNumber(w) {
			prog = path.Base(strings.TrimSpace(w))
		}
		if strings.ContainsAny(w, " \t\n") {
			// A word with spaces is a flag of this program first (mysql
			// -p"pass word"), else a script of its own (sh -c "…").
			skip := redactWord(out, i, prog)
			out[i] = RedactCmdline(out[i])
			if skip {
				i++
			}
			continue
		}
		if skip := redactWord(out, i, prog); skip {
			i++
		}
	}
	return out
}

// wrapper lists programs whose first operand is the program that runs.
var wrapper = map[string]bool{"env": true, "sudo": true, "nice": true, "nohup": true, "exec": true, "timeout": true, "ionice": true, "chrt": true, "taskset": true, "sshpass": true}

// isNumber reports whether w is a number or a duration (nice -n 10, timeout 5s).
func isNumber(w string) bool {
	d := strings.TrimRight(w, "smhd")
	return d != "" && strings.Trim(d, "0123456789.") == ""
}

func isAssignment(w string) bool {
	eq := strings.IndexByte(w, '=')
	return eq > 0 && !strings.HasPrefix(w, "-")
}

// redactWord redacts out[i] in place (and out[i+1] when the secret is the
// next word); it reports whether it consumed the next word.
func redactWord(out []string, i int, prog string) bool {
	w := out[i]
	hasNext := i+1 < len(out)
	w = redactURLs(w)
	if vf, ok := valueFlags[prog]; ok && len(w) >= 2 && w[0] == '-' && w[1] == vf.flag && i > 0 {
		switch {
		case len(w) > 2:
			out[i] = w[:2] + Redacted
			return false
		case vf.separate && hasNext:
			out[i+1] = Redacted
			return true
		}
	}
	if flags, ok := userPassFlags[prog]; ok && i > 0 {
		for f := range flags {
			switch {
			case w == f && hasNext:
				out[i+1] = maskAfterColon(out[i+1])
				return true
			case strings.HasPrefix(w, f+"="):
				out[i] = f + "=" + maskAfterColon(w[len(f)+1:])
				return false
			case len(f) == 2 && strings.HasPrefix(w, f) && len(w) > 2 && !strings.HasPrefix(w, "--"):
				out[i] = f + maskAfterColon(w[2:])
				return false
			}
		}
	}
	if strings.HasPrefix(w, "--") && !strings.Contains(w, "=") && isSecretName(w[2:]) && hasNext &&
		!strings.HasPrefix(out[i+1], "-") && !isMySQLFamily(prog) {
		out[i], out[i+1] = w, Redacted
		return true
	}
	out[i] = assignment.ReplaceAllStringFunc(w, func(m string) string {
		eq := strings.IndexByte(m, '=')
		if isSecretName(m[:eq]) && eq+1 < len(m) {
			return m[:eq+1] + Redacted
		}
		return m
	})
	return false
}

func isMySQLFamily(prog string) bool {
	vf, ok := valueFlags[prog]
	return ok && vf.flag == 'p' && !vf.separate
}

// maskAfterColon turns user:password into user:***; a word without a colon
// names only a user (the program prompts), so it stays.
func maskAfterColon(w string) string {
	if c := strings.IndexByte(w, ':'); c >= 0 && c+1 < len(w) {
		return w[:c+1] + Redacted
	}
	return w
}

// authSchemes are HTTP authentication schemes, kept in a redacted header.
var authSchemes = map[string]bool{"basic": true, "bearer": true, "digest": true, "token": true, "negotiate": true, "apikey": true}

// redactAuthorization keeps the scheme of an Authorization header (Basic,
// Bearer) and masks the credentials.
func redactAuthorization(w string) string {
	rest := strings.TrimSpace(w[len("authorization:"):])
	scheme, _, found := strings.Cut(rest, " ")
	if !found || !authSchemes[strings.ToLower(scheme)] {
		return w[:len("authorization:")] + " " + Redacted
	}
	return w[:len("authorization:")] + " " + scheme + " " + Redacted
}

// RedactURL masks the password of a URL (or of every URL in a word) that
// triage prints in an error: scheme://user:***@host/path.
func RedactURL(u string) string { return redactURLs(u) }

// redactURLs masks the password of every scheme://user:password@host in w.
// A password may hold '/', '@' (people write them unescaped), so the
// password runs to the last '@' before the query; what follows a ':' in
// an authority without '@' is a port, not a password. When in doubt it
// masks too much rather than too little.
func redactURLs(w string) string {
	var b strings.Builder
	for {
		i := strings.Index(w, "://")
		if i < 0 {
			b.WriteString(w)
			return b.String()
		}
		b.WriteString(w[:i+3])
		rest := w[i+3:]
		next := strings.Index(rest, "://")
		if next < 0 {
			next = len(rest)
		}
		seg := rest[:next] // up to the next URL in the same word
		if c, at := userinfo(seg); at > c {
			b.WriteString(seg[:c+1])
			b.WriteString(Redacted)
			seg = seg[at:]
		}
		b.WriteString(seg)
		w = rest[next:]
	}
}

// userinfo returns the positions of the ':' and the '@' around the
// password in seg (what follows "://"), or -1, -1.
func userinfo(seg string) (colon, at int) {
	authEnd := strings.IndexAny(seg, "/?#")
	if authEnd < 0 {
		authEnd = len(seg)
	}
	qEnd := strings.IndexAny(seg, "?#")
	if qEnd < 0 {
		qEnd = len(seg)
	}
	at = strings.LastIndexByte(seg[:qEnd], '@')
	if at < 0 {
		at = strings.LastIndexByte(seg, '@')
	}
	colon = strings.IndexByte(seg, ':')
	switch {
	case at < 0 || colon < 0 || colon > at:
		return -1, -1
	case strings.ContainsAny(seg[:colon], "/?#@"):
		return -1, -1 // no password: the ':' is past the user
	case !strings.Contains(seg[:authEnd], "@") && isPort(seg[colon+1:]):
		return -1, -1 // host:port, and the '@' is in the path or query
	}
	return colon, at
}

// isPort reports whether s starts with digits up to the end of the host part.
func isPort(s string) bool {
	end := strings.IndexAny(s, "/?#")
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return false
	}
	for _, r := range s[:end] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RedactCmdline redacts a command line given as one string (a process that
// rewrote its title, a shell's -c script): it is split on white space,
// redacted word by word and joined with single spaces.
func RedactCmdline(s string) string {
	return strings.Join(RedactArgs(strings.Fields(s)), " ")
}
