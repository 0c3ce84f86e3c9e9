package record

import (
	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/internal/safety"
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

// redact replaces every secret in the JSON line b, raw or escaped, and
// says how many it replaced (safety.MaskJSON).
func redact(b []byte, secrets []string) ([]byte, int) {
	return safety.MaskJSON(b, secrets, "[redacted]")
}
