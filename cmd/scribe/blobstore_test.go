package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribe-health/scribe/internal/fakeopenai"
	"github.com/scribe-health/scribe/internal/testenv"
)

// TestDatabaseBlobStore: with SCRIBE_BLOB_STORE=database the audio,
// transcript and token map go to the database's blobs table, sealed, and
// nothing to the data dir's blob directory; a backup of the embedded
// database carries them and a restore opens every one with the key.
func TestDatabaseBlobStore(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SCRIBE_MASTER_KEY", "")
	t.Setenv("SCRIBE_BLOB_STORE", "database")
	fake := fakeopenai.New("whisper-x", "notes-x")
	defer fake.Close()
	mustCLI(t, dir, "provider", "add", "--name", "asr", "--base-url", fake.BaseURL(), "--model", "whisper-x", "--use", "transcription", "--self-hosted")
	mustCLI(t, dir, "provider", "add", "--name", "llm", "--base-url", fake.BaseURL(), "--model", "notes-x", "--use", "drafting", "--self-hosted")
	wav := filepath.Join(t.TempDir(), "session.wav")
	os.WriteFile(wav, testenv.WAV(16000, testenv.Speech(t, "I have been walking every morning")), 0o600)
	tf, _ := tokenFile(t, dir, webUser(t, dir, "dr@example.org", "clinician"))
	out := mustCLI(t, dir, "ingest", "--template", "dap", "--consent-attested", "--token-file", tf, "--wait", wav)
	id := strings.SplitN(out, "\n", 2)[0]
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("fake API problems: %v", p)
	}
	if out := mustCLI(t, dir, "session", "show", id); !strings.Contains(strings.ToLower(out), "morning") {
		t.Fatalf("session show after a database-blob pipeline run:\n%s", out)
	}
	if entries, err := os.ReadDir(filepath.Join(dir, "blobs")); err == nil && len(entries) > 0 {
		t.Fatalf("%d entries in the blob directory; want none with the database blob store", len(entries))
	}

	archive := filepath.Join(t.TempDir(), "backup.tar.gz")
	mustCLI(t, dir, "backup", archive)
	restored := filepath.Join(t.TempDir(), "restored")
	out = mustCLI(t, restored, "restore", archive)
	if !strings.Contains(out, "blob(s) open with the restored key") || strings.Contains(out, "all 0 blob(s)") {
		t.Fatalf("restore did not check the database's objects: %s", out)
	}
	if out := mustCLI(t, restored, "session", "show", id); !strings.Contains(strings.ToLower(out), "morning") {
		t.Fatalf("restored copy lost the transcript:\n%s", out)
	}

	if errOut := failCLI(t, dir, "session", "list", "--blob-store", "s3"); !strings.Contains(errOut, "want dir or database") {
		t.Fatalf("unknown blob store: %s", errOut)
	}
}
