package sshserve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"

	"github.com/fivelayer/triage/internal/safety"
)

// DefaultHostKeyPath is ssh_host_ed25519_key in the state directory
// (safety.StateDir).
func DefaultHostKeyPath() (string, error) {
	dir, err := safety.StateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "ssh_host_ed25519_key"), nil
}

// HostKey loads the server's host key from path, creating an Ed25519 key
// there (file 0600, directory 0700) when there is none. It reports whether
// it created one. A key file group or others may read is refused: anyone
// who reads it can pose as this server.
func HostKey(path string) (gossh.Signer, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s, err := createHostKey(path)
		return s, err == nil, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("host key %s is mode %04o: group and others must not read it (chmod 600)", path, st.Mode().Perm())
	}
	s, err := gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, false, fmt.Errorf("host key %s: %w", path, err)
	}
	return s, false, nil
}

func createHostKey(path string) (gossh.Signer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	blk, err := gossh.MarshalPrivateKey(priv, "triage host key")
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	// O_EXCL: two servers starting at once never overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	if _, err := f.Write(pem.EncodeToMemory(blk)); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return gossh.NewSignerFromKey(priv)
}
