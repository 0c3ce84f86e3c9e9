package record

import (
	"bytes"
	"encoding/json"

	"github.com/fivelayer/triage/config"
)

// minSecretLen is the shortest secret the recorder guards: a shorter one
// would match ordinary words ("ok") and no real password is that short.
const minSecretLen = 4

// SecretsOf is every secret cfg makes triage hold (Config.Secrets) long
// enough to guard, so a Recorder can make sure none is ever written.
func SecretsOf(cfg *config.Config) []string {
	var out []string
	for _, s := range cfg.Secrets() {
		if len(s) >= minSecretLen {
			out = append(out, s)
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
