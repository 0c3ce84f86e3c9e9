package daemons

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// MariaDBTemplate returns an initialised datadir cached under root, made
// once per mariadbd binary and key: mariadb-install-db, a start without a
// binary log, prepare (schema, accounts, seed rows) and a clean shutdown.
// Servers started from a copy of it share its data and have an empty GTID
// history, so a replica started from the same template needs no snapshot.
// Concurrent callers may both build it; the first rename wins.
func MariaDBTemplate(root, key string, prepare func(ctx context.Context, db *sql.DB) error) (string, error) {
	bin, err := Binary("mariadbd")
	if err != nil {
		return "", err
	}
	st, err := os.Stat(bin)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%d|%s", bin, st.Size(), st.ModTime().UnixNano(), key))
	dst := filepath.Join(root, "mariadb-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dst, "mysql")); err == nil {
		return dst, nil
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("template cache: %w", err)
	}
	s, err := StartMariaDB(MariaDBOptions{ServerID: 1, Args: []string{"--skip-log-bin"}})
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	defer func() { _ = s.Remove() }()
	db, err := sql.Open("mysql", s.RootDSN()+"?timeout=5s&multiStatements=true")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	err = prepare(ctx, db)
	cancel()
	_ = db.Close()
	if err != nil {
		return "", fmt.Errorf("template: prepare: %w", err)
	}
	if err := s.Stop(); err != nil {
		return "", fmt.Errorf("template: clean shutdown: %w", err)
	}
	build, err := os.MkdirTemp(root, ".build-")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(build) }()
	if err := copyTree(s.dataDir(), filepath.Join(build, "data")); err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	if err := os.Rename(filepath.Join(build, "data"), dst); err != nil {
		if _, serr := os.Stat(filepath.Join(dst, "mysql")); serr == nil {
			return dst, nil // another process built it first
		}
		return "", fmt.Errorf("template: %w", err)
	}
	return dst, nil
}

// copyTree copies the regular files and directories under src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		case info.Mode().IsRegular():
			return copyFile(path, to, info.Mode().Perm())
		}
		return nil // sockets, pid files' leftovers: not data
	})
}

func copyFile(from, to string, perm fs.FileMode) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err = io.Copy(out, in); err != nil {
		return errors.Join(fmt.Errorf("copy %s: %w", from, err))
	}
	return nil
}
