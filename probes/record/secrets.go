package record

import (
	"bytes"
	"encoding/json"
	"net/url"

	"github.com/go-sql-driver/mysql"

	"github.com/fivelayer/triage/config"
)

// minSecretLen is the shortest secret the recorder guards: a shorter one
// would match ordinary words ("ok") and no real password is that short.
const minSecretLen = 4

// SecretsOf resolves every secret cfg's probes use (DSNs and the passwords
// in them, passwords, passwords in URLs) so a Recorder can make sure none is
// ever written. Secrets that cannot be resolved are not in use and skipped.
func SecretsOf(cfg *config.Config) []string {
	var out []string
	add := func(s string) {
		if len(s) >= minSecretLen {
			out = append(out, s)
		}
	}
	for _, c := range cfg.Components {
		for _, p := range c.Probes {
			if p.DSNEnv != "" || p.DSNFile != "" || p.DSN != "" {
				if dsn, err := p.DSNValue(); err == nil {
					add(dsn)
					if mc, err := mysql.ParseDSN(dsn); err == nil {
						add(mc.Passwd)
					}
				}
			}
			if pw, err := p.PasswordValue(); err == nil {
				add(pw)
			}
			for _, raw := range []string{p.URL, p.StatusURL} {
				if u, err := url.Parse(raw); err == nil && u.User != nil {
					pw, _ := u.User.Password()
					add(pw)
				}
			}
		}
	}
	return out
}

// redact replaces every secret in the JSON line b, raw or JSON-escaped,
// and says how many it replaced.
func redact(b []byte, secrets []string) ([]byte, int) {
	n := 0
	for _, s := range secrets {
		enc, _ := json.Marshal(s)
		for _, form := range [][]byte{[]byte(s), enc[1 : len(enc)-1]} {
			if c := bytes.Count(b, form); c > 0 {
				n += c
				b = bytes.ReplaceAll(b, form, []byte("[redacted]"))
			}
		}
	}
	return b, n
}
