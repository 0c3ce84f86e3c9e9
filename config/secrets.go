package config

import (
	"net/url"
	"os"

	"github.com/go-sql-driver/mysql"
)

// Secrets resolves every secret the config makes triage hold: DSNs and the
// passwords in them, probe passwords, passwords in probe URLs and the
// switchover's replication password. Whatever triage shows, records or
// captures from a child is masked against this list. A secret that cannot
// be resolved is not in use and is skipped.
func (c *Config) Secrets() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, comp := range c.Components {
		for _, p := range comp.Probes {
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
		if so := comp.Actions.Switchover; so != nil && so.ReplicationPasswordEnv != "" {
			add(os.Getenv(so.ReplicationPasswordEnv))
		}
	}
	return out
}
