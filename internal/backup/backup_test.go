package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/audit"
	"github.com/scribe-health/scribe/internal/backup"
	"github.com/scribe-health/scribe/internal/blob"
	"github.com/scribe-health/scribe/internal/compliance"
	"github.com/scribe-health/scribe/internal/store"
	"github.com/scribe-health/scribe/internal/testenv"
)

func populate(t *testing.T, dbURL, dir string) (*store.Store, *blob.Dir) {
	t.Helper()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DatabaseURL: dbURL, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kek, _, err := blob.LoadKEK(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"), kek)
	if err != nil {
		t.Fatal(err)
	}
	if err := blobs.Put(ctx, "sessions/s1/audio/client-0000.wav", []byte("RIFF synthetic audio")); err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateSession(ctx, &store.Session{ID: "s1", Source: "ingest", Status: store.StatusReady, ClientAlias: "client-b"})
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := st.Audit(ctx, audit.Event{Actor: "system", Action: "test", EntityType: "session", EntityID: "s1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := compliance.CheckpointAudit(ctx, st, compliance.AuditTrust{DataDir: dir}, "admin"); err != nil {
		t.Fatal(err)
	}
	return st, blobs
}

func TestBackupRestoreRoundTripSQLite(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	st, _ := populate(t, "", src)
	// Writes go on after the snapshot: the archive holds the state at the snapshot.
	var buf bytes.Buffer
	m, err := backup.Write(ctx, st, src, &buf, backup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Database || m.Blobs != 1 || strings.Join(m.IncludesKeys, ",") != "master.key,"+audit.CheckpointKeyFile {
		t.Fatalf("manifest: %+v", m)
	}
	if err := st.Audit(ctx, audit.Event{Actor: "system", Action: "after-backup", EntityType: "session", EntityID: "s1"}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "restored")
	if _, err := backup.Restore(ctx, bytes.NewReader(buf.Bytes()), dst); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"scribe.db", "master.key", audit.CheckpointKeyFile, audit.WitnessFile} {
		fi, err := os.Stat(filepath.Join(dst, name))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", name, err, fi)
		}
	}
	rs, err := store.Open(ctx, store.Options{DataDir: dst})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if !m.Witness {
		t.Fatal("the manifest does not list the audit witness")
	}
	rep, err := compliance.VerifyAudit(ctx, rs, compliance.AuditTrust{DataDir: dst})
	if err != nil || rep.Entries != 6 || rep.Checkpoints != 1 || rep.Witnessed != 6 {
		t.Fatalf("restored audit: %v %+v", err, rep)
	}
	if sess, err := rs.Session(ctx, "s1"); err != nil || sess.ClientAlias != "client-b" {
		t.Fatalf("restored session: %v %+v", err, sess)
	}
	kek, _, err := blob.LoadKEK(dst, "")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := blob.NewDir(filepath.Join(dst, "blobs"), kek)
	if got, err := rb.Get(ctx, "sessions/s1/audio/client-0000.wav"); err != nil || string(got) != "RIFF synthetic audio" {
		t.Fatalf("restored blob: %v %q", err, got)
	}
	if bc, err := backup.VerifyBlobs(ctx, dst, rb); err != nil || bc.OK != 1 || len(bc.Corrupt) != 0 {
		t.Fatalf("blob check: %v %+v", err, bc)
	}
	// Under another key every blob fails to open, and the check says which.
	other, _ := blob.NewDir(filepath.Join(dst, "blobs"), bytes.Repeat([]byte{9}, 32))
	if bc, err := backup.VerifyBlobs(ctx, dst, other); err != nil || bc.OK != 0 || len(bc.Corrupt) != 1 || bc.Corrupt[0] != "sessions/s1/audio/client-0000.wav" {
		t.Fatalf("blob check under the wrong key: %v %+v", err, bc)
	}

	// A restore never writes into a directory that holds data.
	if _, err := backup.Restore(ctx, bytes.NewReader(buf.Bytes()), dst); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("restore over data: %v", err)
	}
}

func TestBackupPostgresBlobsAndInstructions(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	st, _ := populate(t, testenv.PostgresURL(t), src)
	var buf bytes.Buffer
	m, err := backup.Write(ctx, st, src, &buf, backup.Options{ExcludeKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Database || m.Blobs != 1 || len(m.IncludesKeys) != 0 || !strings.Contains(m.Note, "pg_dump") {
		t.Fatalf("manifest: %+v", m)
	}
	dst := filepath.Join(t.TempDir(), "r")
	if _, err := backup.Restore(ctx, &buf, dst); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "blobs", "sessions", "s1", "audio", "client-0000.wav")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "master.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("excluded key restored")
	}
}

func archive(t *testing.T, files map[string]string, manifest bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if manifest {
		files["manifest.json"] = `{"format":1,"dialect":"sqlite","database":false}`
	}
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestRestoreRefusesBadArchives(t *testing.T) {
	ctx := context.Background()
	good := archive(t, map[string]string{"blobs/x": "1"}, true)
	cases := map[string][]byte{
		"not gzip":    []byte("plain text"),
		"traversal":   archive(t, map[string]string{"../evil": "x"}, true),
		"absolute":    archive(t, map[string]string{"/etc/evil": "x"}, true),
		"stray file":  archive(t, map[string]string{"notes.txt": "x"}, true),
		"no manifest": archive(t, map[string]string{"blobs/x": "1"}, false),
		"truncated":   good[:len(good)/2],
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "r")
			if _, err := backup.Restore(ctx, bytes.NewReader(data), dst); err == nil {
				t.Fatal("accepted")
			}
			entries, _ := os.ReadDir(dst)
			if len(entries) != 0 {
				t.Fatalf("failed restore left %d entries behind", len(entries))
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dst), "evil")); err == nil {
				t.Fatal("wrote outside the target")
			}
		})
	}
}
