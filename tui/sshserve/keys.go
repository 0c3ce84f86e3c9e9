package sshserve

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	gossh "golang.org/x/crypto/ssh"

	"github.com/fivelayer/triage/internal/safety"
	"github.com/fivelayer/triage/probes/remedy"
)

// RoleOption is the authorized_keys option that makes a key an operator;
// a key without it is a viewer. sshd takes environment= as a valid option
// (it only uses it with PermitUserEnvironment), so the file stays one that
// OpenSSH accepts.
const RoleOption = `environment="TRIAGE_ROLE=operator"`

// AuthorizedKey is one line of the authorized_keys file.
type AuthorizedKey struct {
	Key         gossh.PublicKey
	Name        string // the line's comment, control characters removed
	Fingerprint string // SHA256:…
	Role        remedy.Role
}

// ParseAuthorizedKeys reads an OpenSSH authorized_keys file. Blank lines and
// comments are skipped; a line that does not parse, or a TRIAGE_ROLE other
// than operator or viewer, is an error naming its line, so a typo never
// turns an operator into a viewer or the reverse unnoticed.
func ParseAuthorizedKeys(path string) ([]AuthorizedKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	var keys []AuthorizedKey
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pk, comment, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		role, err := roleOf(options)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		keys = append(keys, AuthorizedKey{Key: pk, Name: safety.Sanitize(comment),
			Fingerprint: gossh.FingerprintSHA256(pk), Role: role})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("authorized keys %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("authorized keys %s: no keys: nobody could connect", path)
	}
	return keys, nil
}

// roleOf reads TRIAGE_ROLE from a line's environment= options.
func roleOf(options []string) (remedy.Role, error) {
	role := remedy.RoleViewer
	for _, o := range options {
		name, val, ok := strings.Cut(o, "=")
		if !ok || !strings.EqualFold(name, "environment") {
			continue
		}
		if uq, err := strconv.Unquote(val); err == nil {
			val = uq
		}
		k, v, _ := strings.Cut(val, "=")
		if k != "TRIAGE_ROLE" {
			continue
		}
		switch remedy.Role(v) {
		case remedy.RoleOperator, remedy.RoleViewer:
			role = remedy.Role(v)
		default:
			return "", fmt.Errorf("TRIAGE_ROLE=%q: want operator or viewer", v)
		}
	}
	return role, nil
}

// find returns the entry for key, if any.
func find(keys []AuthorizedKey, key gossh.PublicKey) (AuthorizedKey, bool) {
	for _, k := range keys {
		if bytes.Equal(k.Key.Marshal(), key.Marshal()) {
			return k, true
		}
	}
	return AuthorizedKey{}, false
}
