package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// Every file Scribe writes is readable by its own user only: 0600 files in
// 0700 directories. The database, its WAL and shared-memory files, the key
// files and the blobs hold PHI or what unlocks it.
const (
	privateFileMode = 0o600
	privateDirMode  = 0o700
)

// PrivateDir creates dir (and its parents) with mode 0700, or tightens an
// existing dir that others may read or enter, saying so in the log.
func PrivateDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, privateDirMode); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, privateDirMode); err != nil { // #nosec G302 -- 0700 on a directory: the owner needs x to enter it
			return fmt.Errorf("make the data dir private (chmod 700 %s): %w", dir, err)
		}
		log.Warn("data dir was readable by other users; made it private (0700)", "dir", dir, "was", fi.Mode().Perm().String())
	}
	return nil
}

// privateSQLite prepares the SQLite files before the driver opens them:
// it creates the database file empty with mode 0600 (SQLite takes an empty
// file as a new database and creates its -wal and -shm files with the
// database file's mode), and tightens files an older version created with
// the process umask (0644).
func privateSQLite(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, privateFileMode) // #nosec G304 -- scribe.db in the data dir the operator configured
	if err != nil {
		return fmt.Errorf("create the database file: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, privateFileMode); err != nil {
				return fmt.Errorf("make %s private (chmod 600): %w", filepath.Base(p), err)
			}
			log.Warn("database file was readable by other users; made it private (0600)", "file", filepath.Base(p), "was", fi.Mode().Perm().String())
		}
	}
	return nil
}
