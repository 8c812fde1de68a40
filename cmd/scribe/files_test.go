//go:build unix

package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/scribe-health/scribe/internal/testenv"
)

// TestEveryFileIsPrivate: under the common umask 022, every file the
// commands write — database, WAL, blobs, master key, checkpoint key, the
// backup archive, a restored data dir — is 0600, in 0700 directories.
func TestEveryFileIsPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCRIBE_BLOB_STORE", "")
	root := t.TempDir()
	data := filepath.Join(root, "data")
	wav := filepath.Join(root, "in.wav")
	os.WriteFile(wav, testenv.WAV(16000, sine(3)), 0o600)
	tf, _ := tokenFile(t, data, webUser(t, data, "dr@example.org", "clinician"))
	mustCLI(t, data, "ingest", "--consent-attested", "--token-file", tf, wav)
	var cpOut, cpErr strings.Builder
	if err := auditCheckpoint(context.Background(), []string{"--data-dir", data}, &cpOut, &cpErr); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(root, "backup.tar.gz")
	mustCLI(t, data, "backup", archive)
	restored := filepath.Join(root, "restored")
	mustCLI(t, restored, "restore", archive)

	if fi, err := os.Stat(archive); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup archive: %v %v, want 0600", fi.Mode().Perm(), err)
	}
	for _, dir := range []string{data, restored} {
		seen := map[string]bool{}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := d.Info()
			want := os.FileMode(0o600)
			if d.IsDir() {
				want = 0o700
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s is %v, want %v", p, fi.Mode().Perm(), want)
			}
			seen[d.Name()] = true
			return nil
		})
		for _, f := range []string{"scribe.db", "master.key", "audit-checkpoint.key", "blobs"} {
			if !seen[f] {
				t.Errorf("%s has no %s", dir, f)
			}
		}
	}
}
