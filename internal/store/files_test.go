//go:build unix

package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/store"
)

// withUmask runs the test under a process umask (the usual 022 lets the
// default modes through: files 0644, dirs 0755).
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s is %v, want %v", filepath.Base(path), got, want)
	}
}

// TestSQLiteFilesArePrivate: under umask 022 the database, its WAL and
// shared-memory files are 0600 in a 0700 data dir (scribe.db was 0644);
// files and a data dir an older version left readable are tightened on
// open; a backup snapshot is 0600 too.
func TestSQLiteFilesArePrivate(t *testing.T) {
	withUmask(t, 0o022)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, audit.Event{Actor: "test", Action: "test.write", EntityType: "test", EntityID: "1"}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "scribe.db")
	wantMode(t, dir, 0o700)
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		wantMode(t, p, 0o600)
	}
	snap := filepath.Join(t.TempDir(), "snap.db")
	if err := s.SnapshotSQLite(ctx, snap); err != nil {
		t.Fatal(err)
	}
	wantMode(t, snap, 0o600)
	s.Close()

	// What an older version left: a 0755 dir and a 0644 database.
	os.Chmod(dir, 0o755)
	os.Chmod(db, 0o644)
	s, err = store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wantMode(t, dir, 0o700)
	wantMode(t, db, 0o600)
}
