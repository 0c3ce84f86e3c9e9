package sshserve

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gossh "golang.org/x/crypto/ssh"

	"github.com/fivelayer/triage/probes/remedy"
)

// pubLine is a fresh key's authorized_keys line (no comment), its key and
// its fingerprint.
func pubLine(t *testing.T) (string, gossh.PublicKey) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	pk, err := gossh.NewPublicKey(pub)
	require.NoError(t, err)
	return string(gossh.MarshalAuthorizedKey(pk)[:len(gossh.MarshalAuthorizedKey(pk))-1]), pk
}

func TestParseAuthorizedKeys(t *testing.T) {
	op, opPK := pubLine(t)
	view, viewPK := pubLine(t)
	other, otherPK := pubLine(t)
	_, unknown := pubLine(t)
	opKey, viewKey, otherKey := gossh.FingerprintSHA256(opPK), gossh.FingerprintSHA256(viewPK), gossh.FingerprintSHA256(otherPK)
	byFP := func(keys []AuthorizedKey, fp string) (AuthorizedKey, bool) {
		for _, k := range keys {
			if k.Fingerprint == fp {
				return k, true
			}
		}
		return AuthorizedKey{}, false
	}
	tests := []struct {
		name    string
		file    string
		roles   map[string]remedy.Role
		names   map[string]string
		wantErr string
	}{
		{name: "operator marked, viewer by default, comments and blanks skipped",
			file: "# ops\n\n" + RoleOption + " " + op + " alice@ops\n" + view + " bob@war-room\n" +
				`no-pty,environment="TRIAGE_ROLE=viewer" ` + other + " carol\n",
			roles: map[string]remedy.Role{opKey: remedy.RoleOperator, viewKey: remedy.RoleViewer, otherKey: remedy.RoleViewer},
			names: map[string]string{opKey: "alice@ops", viewKey: "bob@war-room", otherKey: "carol"}},
		{name: "another environment variable is not a role",
			file:  `environment="TRIAGE_ROLEX=operator",environment="LANG=C" ` + op + " x\n",
			roles: map[string]remedy.Role{opKey: remedy.RoleViewer}},
		{name: "a control sequence in a comment is removed",
			file:  op + " evil\x1b[2Jname\n",
			names: map[string]string{opKey: "evilname"}},
		{name: "a misspelt role is an error with its line", file: view + "\n" + `environment="TRIAGE_ROLE=operater" ` + op + "\n",
			wantErr: "authorized_keys:2: TRIAGE_ROLE=\"operater\""},
		{name: "a broken line is an error with its line", file: "ssh-ed25519 AAAA-not-base64 x\n", wantErr: "authorized_keys:1:"},
		{name: "no keys", file: "# nobody\n", wantErr: "no keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "authorized_keys")
			require.NoError(t, os.WriteFile(path, []byte(tt.file), 0o600))
			keys, err := ParseAuthorizedKeys(path)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			for fp, role := range tt.roles {
				got, ok := byFP(keys, fp)
				require.True(t, ok)
				assert.Equal(t, role, got.Role)
			}
			for fp, name := range tt.names {
				got, ok := byFP(keys, fp)
				require.True(t, ok)
				assert.Equal(t, name, got.Name)
			}
			_, ok := find(keys, opPK)
			assert.True(t, ok)
			_, ok = find(keys, unknown)
			assert.False(t, ok, "a key not in the file is not found")
		})
	}
}

func TestHostKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "ssh_host_ed25519_key")
	s1, created, err := HostKey(path)
	require.NoError(t, err)
	assert.True(t, created)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the key file")
	dir, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dir.Mode().Perm(), "its directory")

	s2, created, err := HostKey(path)
	require.NoError(t, err)
	assert.False(t, created, "the second start reuses it")
	assert.Equal(t, s1.PublicKey().Marshal(), s2.PublicKey().Marshal(), "the same host key: clients' known_hosts stay valid")

	require.NoError(t, os.Chmod(path, 0o644))
	_, _, err = HostKey(path)
	require.ErrorContains(t, err, "mode 0644")
}
